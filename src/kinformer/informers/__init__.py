"""kinformer.informers: SharedInformerFactory and the HTTP lister-watchers (client-go ``informers``)."""
