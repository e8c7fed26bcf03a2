"""``kinformer get``: kubectl-style output served from an informer cache.

One informer for the resource (scoped by namespace, selectors and, with ``NAME``, a
``metadata.name`` field selector), wait for its cache to sync, print from its lister. With
``-w`` it keeps printing what the informer's handler sees (adds, updates, deletes) until
Ctrl-C. The cache holds objects without ``metadata.managedFields`` (as kubectl hides them).

Errors end the command with one line on stderr and exit code 1, kubectl's words where kubectl
has them: ``Error from server (NotFound): pods "x" not found``, ``Error from server
(Forbidden): ...``, ``error: the server doesn't have a resource type "x"``, ``Unable to connect
to the server: ...``; exit code 2 for bad usage (argparse). No traceback, no credential: the
messages come from kinformer's typed errors, which never contain one.
"""

from __future__ import annotations

import argparse
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Final, TextIO, final

from .._errors import ApiError, ConfigError, KinformerError, ResourceNotFoundError, TransportError
from .._objects import meta_namespace_key
from ..cache._informer_options import strip_managed_fields
from ..fields import check_field_selector, parse as parse_fields
from ..informers._factory import SharedInformerFactory
from ..labels import SelectorParseError, parse as parse_labels
from ..transport import Client, ResourceInfo
from ._printers import Printer, TableLayout, name_of, to_json, to_yaml

__all__ = ["add_arguments", "register", "run"]

HELP = "Print resources kubectl-style from an informer cache (-w to keep watching)."
OUTPUTS: Final = ("wide", "json", "yaml", "name")
SYNC_TIMEOUT: Final = 60.0
_LOGGER_NAME: Final = "kinformer"


class GetError(Exception):
    """One line for stderr, then exit code 1."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "resource", metavar="RESOURCE", help="pods, deploy, nodes, foos.example.com, ..."
    )
    parser.add_argument("name", metavar="NAME", nargs="?", help="one object")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", help="the namespace (default: the context's)")
    scope.add_argument(
        "-A", "--all-namespaces", action="store_true", help="every namespace (NAMESPACE column)"
    )
    parser.add_argument("-l", "--selector", help="label selector, e.g. app=web,tier!=db")
    parser.add_argument("--field-selector", help="field selector, e.g. spec.nodeName=node-1")
    parser.add_argument("-w", "--watch", action="store_true", help="keep printing changes")
    parser.add_argument("-o", "--output", choices=OUTPUTS, help="wide, json, yaml or name")
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config)"
    )
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    parser.add_argument(
        "--sync-timeout",
        type=float,
        default=SYNC_TIMEOUT,
        metavar="SECONDS",
        help=f"give up when the cache has not synced by then (default {SYNC_TIMEOUT:.0f})",
    )


def register(
    subcommands: dict[
        str,
        tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]],
    ],
) -> None:
    """Add ``get`` to the command's table."""
    subcommands["get"] = (HELP, add_arguments, run)


def run(
    args: argparse.Namespace,
    *,
    stop: threading.Event | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run ``kinformer get``; ``stop`` ends ``-w`` (tests), as Ctrl-C does."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    logger = logging.getLogger(_LOGGER_NAME)
    # The informer's own retries are not the user's business: keep its logs off the output.
    saved_propagate, saved_disabled = logger.propagate, logger.disabled
    logger.propagate, logger.disabled = False, True
    try:
        return _Get(args, out, err, stop or threading.Event()).run()
    except GetError as error:
        print(str(error), file=err, flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        logger.propagate, logger.disabled = saved_propagate, saved_disabled


def describe_error(error: BaseException) -> str:
    """kubectl's one line for an error."""
    if isinstance(error, ApiError):
        reason = error.reason or str(error.code)
        return f"Error from server ({reason}): {error.message}"
    if isinstance(error, TransportError):
        return f"Unable to connect to the server: {error}"
    if isinstance(error, ResourceNotFoundError | ConfigError | SelectorParseError):
        return f"error: {error}"
    return f"error: {type(error).__name__}: {error}"


@final
class _Get:
    def __init__(
        self, args: argparse.Namespace, out: TextIO, err: TextIO, stop: threading.Event
    ) -> None:
        self.args = args
        self.out = out
        self.err = err
        self.stop = stop

    def run(self) -> int:
        args = self.args
        self._check_selectors_syntax()
        try:
            client = Client.from_kubeconfig(args.kubeconfig, context=args.context)
        except KinformerError as error:
            raise GetError(describe_error(error)) from None
        with client:
            try:
                info = client.resolve(args.resource)
            except KinformerError as error:
                raise GetError(describe_error(error)) from None
            return self._run_with(client, info)

    def _check_selectors_syntax(self) -> None:
        args = self.args
        if args.selector is not None:
            try:
                parse_labels(args.selector)
            except SelectorParseError as error:
                raise GetError(
                    f'error: invalid label selector "{args.selector}": {error}'
                ) from None
        if args.field_selector is not None:
            try:
                parse_fields(args.field_selector)
            except SelectorParseError as error:
                raise GetError(
                    f'error: invalid field selector "{args.field_selector}": {error}'
                ) from None

    def _field_selector(self, info: ResourceInfo) -> str | None:
        args = self.args
        terms = [
            t
            for t in (args.field_selector, f"metadata.name={args.name}" if args.name else None)
            if t
        ]
        if not terms:
            return None
        selector = ",".join(terms)
        try:
            check_field_selector(info.api_version, info.kind, parse_fields(selector))
        except SelectorParseError as error:
            # What kube-apiserver answers for a field it cannot select on.
            raise GetError(f"Error from server (BadRequest): {error}") from None
        return selector

    def _run_with(self, client: Client, info: ResourceInfo) -> int:
        args = self.args
        if "list" not in info.verbs and info.verbs:
            raise GetError(f'error: the server does not allow listing "{info.group_resource}"')
        namespace: str | None = None
        if info.namespaced and not args.all_namespaces:
            namespace = args.namespace or client.namespace
        factory = SharedInformerFactory(
            client,
            namespace=namespace,
            label_selector=args.selector or None,
            field_selector=self._field_selector(info),
            transform=strip_managed_fields,
        )
        informer = factory.informer(info)
        failures: queue.SimpleQueue[BaseException] = queue.SimpleQueue()
        informer.set_watch_error_handler(failures.put)
        events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        if args.watch:
            informer.add_event_handler(
                on_add=lambda obj, initial: events.put(("add", obj)),
                on_update=lambda old, new: events.put(("update", new)),
                on_delete=lambda obj: events.put(("delete", getattr(obj, "obj", None) or obj)),
            )
        factory.start()
        try:
            self._wait_for_sync(informer, failures)
            printer = Printer(
                info=info, output=args.output or "", all_namespaces=bool(args.all_namespaces)
            )
            objects = sorted(informer.lister.list(), key=_sort_key)
            if args.name and not objects:
                raise GetError(
                    f'Error from server (NotFound): {info.group_resource} "{args.name}" not found'
                )
            layout = TableLayout()
            printed: dict[str, str] = {}
            self._print_initial(printer, layout, objects, namespace)
            for obj in objects:
                printed[meta_namespace_key(obj)] = _rv(obj)
            if args.watch:
                self._watch(printer, layout, events, printed)
            return 0
        finally:
            factory.shutdown()

    def _wait_for_sync(self, informer: Any, failures: queue.SimpleQueue[BaseException]) -> None:
        deadline = time.monotonic() + self.args.sync_timeout
        while not informer.has_synced:
            try:
                error = failures.get(timeout=0.01)
            except queue.Empty:
                pass
            else:
                # The informer would retry forever with backoff; kubectl gives up at once.
                raise GetError(describe_error(error))
            if self.stop.is_set():
                raise KeyboardInterrupt
            if time.monotonic() > deadline:
                raise GetError(
                    f"error: timed out after {self.args.sync_timeout:g}s waiting for the "
                    "cache to sync"
                )

    def _print_initial(
        self, printer: Printer, layout: TableLayout, objects: list[Any], namespace: str | None
    ) -> None:
        args = self.args
        now = time.time()
        if not objects and printer.output not in ("json", "yaml"):
            # kubectl's words: "No resources found in default namespace." / "No resources found"
            message = (
                f"No resources found in {namespace} namespace."
                if namespace
                else "No resources found"
            )
            print(message, file=self.err, flush=True)
            return
        if printer.output in ("", "wide"):
            rows = [printer.headers(), *(printer.row(obj, now) for obj in objects)]
            self.out.write("".join(f"{line}\n" for line in layout.lines(rows)))
        else:
            self.out.write(printer.render(objects, now, single=bool(args.name)))
        self.out.flush()

    def _watch(
        self,
        printer: Printer,
        layout: TableLayout,
        events: queue.SimpleQueue[tuple[str, Any]],
        printed: dict[str, str],
    ) -> None:
        while not self.stop.is_set():
            try:
                kind, obj = events.get(timeout=0.1)
            except queue.Empty:
                continue
            if not isinstance(obj, dict):
                continue
            key = meta_namespace_key(obj)
            if kind == "delete":
                printed.pop(key, None)
            elif printed.get(key) == _rv(obj):
                continue  # already in the first table
            else:
                printed[key] = _rv(obj)
            self.out.write(self._format_event(printer, layout, obj))
            self.out.flush()

    def _format_event(self, printer: Printer, layout: TableLayout, obj: dict[str, Any]) -> str:
        if printer.output == "name":
            return f"{name_of(printer.info, obj)}\n"
        if printer.output == "json":
            return to_json(printer.complete(obj))
        if printer.output == "yaml":
            return "---\n" + to_yaml(printer.complete(obj))
        # The header comes with the first row when the first table was empty (as kubectl does).
        rows = [] if layout.widths else [printer.headers()]
        return "".join(f"{line}\n" for line in layout.lines([*rows, printer.row(obj, time.time())]))


def _sort_key(obj: Any) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def _rv(obj: Any) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")
