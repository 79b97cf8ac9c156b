"""``micc-sim``: serve the simulator, inspect its world and its quirks."""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from micc_sim import __version__
from micc_sim.conformance import DEFAULT_CHECKS, MICC_SDK, ContractError, ContractRun, run_contract, surface_names
from micc_sim.faces.cloudlink.hosts import CERTIFICATE_NAMES as CLOUDLINK_HOSTS
from micc_sim.faces.cloudlink.proxy import proxy_in_thread
from micc_sim.harness.load.runner import LoadError
from micc_sim.harness.record import commands as traffic
from micc_sim.harness.record.replay import RecordingError
from micc_sim.harness.scenarios.model import ScenarioFileError
from micc_sim.spec.binding import Strictness
from micc_sim.tls import TlsMode, ensure_certificates
from micc_sim.world.clock import ClockMode
from micc_sim.world.config import WorldFileError, load_world_file
from micc_sim.world.quirks import Quirks
from micc_sim.world.seed import default_world


def _quirk(text: str) -> tuple[str, bool]:
    name, sep, value = text.partition("=")
    name = name.strip().replace("-", "_")
    if name not in Quirks.names():
        raise argparse.ArgumentTypeError(f"unknown quirk {name!r}; see `micc-sim quirks`")
    if not sep:
        return name, True
    if value.lower() not in ("on", "off", "true", "false", "1", "0"):
        raise argparse.ArgumentTypeError(f"quirk value must be on or off, not {value!r}")
    return name, value.lower() in ("on", "true", "1")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="micc-sim", description=__doc__)
    parser.add_argument("--version", action="version", version=f"micc-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    _serve_options(commands.add_parser("serve", help="run the simulator"))
    exec_ = commands.add_parser(
        "exec", help="run a command against a simulator started for it: micc-sim exec [serve options] -- CMD ...",
        description="Start the simulator on a free loopback port, wait until every face is ready, run CMD with "
                    "MICC_SIM_URL, MICC_SIM_SDK_URL, MICC_SIM_TOKEN_URL, MICC_SIM_SIGNALR_URL, MICC_SIM_HUBS_URL, "
                    "MICC_SIM_DESKTOP_URL, MICC_SIM_CONTROL_URL and CLOUDLINK_<SERVICE>_URL set, forward signals "
                    "to it, stop the simulator and exit with CMD's code. Options before -- are serve's.")
    _serve_options(exec_)
    exec_.add_argument("--ready-timeout", type=float, default=60.0,
                       help="seconds to wait for the simulator to be ready (60)")
    exec_.add_argument("command_args", nargs=argparse.REMAINDER, metavar="-- CMD ARGS", help="the command to run")

    world = commands.add_parser("world", help="the default world, or check a world file")
    world_commands = world.add_subparsers(dest="world_command", required=True)
    export = world_commands.add_parser("export", help="print a world as a world file (YAML)")
    export.add_argument("--world", type=Path, help="a world file to normalise instead of the default world")
    check = world_commands.add_parser("check", help="check a world file and say what is wrong with it")
    check.add_argument("file", type=Path)

    commands.add_parser("quirks", help="list the quirk switches and their defaults")

    contract = commands.add_parser("contract", help="run schemathesis against the simulator, a MiCC or CloudLink")
    contract.add_argument("--surface", default=MICC_SDK, choices=surface_names(),
                          help="the contract(s) to run: micc-sdk, cloudlink (every service) or cloudlink-<service>")
    contract.add_argument("--base-url", help="server to test (default: start a simulator in-process); for CloudLink "
                                             "services on hosts of their own: https://{service}.api.mitel.io")
    contract.add_argument("--username", help="password grant login (default _admin; CloudLink: the default "
                                             "tenant's partner.admin@partner.example.com)")
    contract.add_argument("--password", help="password grant password (default _password; CloudLink: password)")
    contract.add_argument("--client-id", help="client_credentials grant: a Clients.config Id or a CloudLink client")
    contract.add_argument("--client-secret", help="... and its Secret")
    contract.add_argument("--account-id", help="CloudLink: account_id of the token request (id, number or label)")
    contract.add_argument("--report-dir", type=Path, default=Path("reports/contract"),
                          help="where the JUnit XML report goes (reports/contract)")
    contract.add_argument("--max-examples", type=int, default=20, help="examples per operation and phase (20)")
    contract.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    contract.add_argument("--checks", default=",".join(DEFAULT_CHECKS), help="schemathesis checks to run")
    contract.add_argument("--workers", default="1", help="concurrent schemathesis workers (1, or auto)")
    contract.add_argument("--tag", action="append", default=[], help="only operations of this tag (repeatable)")
    contract.add_argument("--insecure", action="store_true", help="do not verify the server's TLS certificate")

    scenario = commands.add_parser("scenario", help="run scripted scenarios (scenarios/*.yaml)")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", required=True)
    run = scenario_commands.add_parser("run", help="run scenario files, each in a fresh world")
    run.add_argument("paths", nargs="*", type=Path, default=[],
                     help="files, folders or library names such as queue-cap (default: the library that ships "
                          "with micc-sim, and ./scenarios if there is one)")
    run.add_argument("--base-url", help="run against this simulator instead of starting one per scenario")
    run.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    listing = scenario_commands.add_parser("list", help="list scenarios: name, file and what each shows")
    listing.add_argument("paths", nargs="*", type=Path, default=[],
                         help="files or folders (default: the library, and ./scenarios if there is one)")
    scenario_commands.add_parser("schema", help="print the JSON Schema of the scenario format")

    _load_parser(commands)
    traffic.add_parsers(commands)

    cov = commands.add_parser("coverage", help="list MiCC SDK operations as stateful (from the world) or missing")
    cov.add_argument("--markdown", action="store_true", help="print the Markdown page (docs/coverage.md)")
    cov.add_argument("--properties", action="store_true",
                     help="call every stateful GET on a populated world and list, per operation and model, the "
                          "declared properties and which the answer carries")
    cov.add_argument("--base-url", help="with --properties: measure this simulator's world as it is, instead of "
                                        "starting one and populating it")
    cov.add_argument("--details", action="store_true",
                     help="with --properties: also list properties always null, of the wrong type, undeclared")
    return parser


def _serve_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080; 0: a free one, printed)")
    serve.add_argument("--ready-file", type=Path,
                       help="write the bound base URL to this file once the server accepts requests")
    serve.add_argument("--world", type=Path, help="world file (YAML or JSON); default: the embedded world")
    serve.add_argument("--clients-config", type=Path,
                       help="Clients.config file (JSON array of {Id, Secret}); re-read on IIS restart")
    serve.add_argument("--clock", choices=[m.value for m in ClockMode],
                       help="real: wall time; scaled: --clock-scale times faster; manual: only /_sim/clock/advance")
    serve.add_argument("--clock-scale", type=float, default=None, help="speed of the scaled clock (e.g. 10)")
    serve.add_argument("--clock-start", type=datetime.fromisoformat,
                       help="simulated time at start, ISO 8601 (default: now)")
    serve.add_argument("--clock-offset", type=float,
                       help="seconds the simulated server clock runs ahead of (negative: behind) real time")
    serve.add_argument("--token-lifetime", type=int, help="token lifetime in seconds (1200)")
    serve.add_argument("--strictness", choices=[s.value for s in Strictness],
                       help="request validation of the MiCC SDK (lenient = what the real server accepts)")
    serve.add_argument("--quirk", type=_quirk, action="append", default=[], metavar="NAME=on|off",
                       help="turn a quirk on or off (repeatable); see `micc-sim quirks`")
    serve.add_argument("--control-from-anywhere", action="store_true", default=None,
                       help="answer /_sim from any address (it has no authentication)")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                       help="an origin whose pages may call the REST API and the token endpoint (repeatable; "
                            "default: loopback and null; '*' for any, without credentials)")
    serve.add_argument("--state-dir", type=Path, help="the folder snapshot files are read from and written to "
                                                       "(.micc-sim); see docs/security.md")
    serve.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                       help="a web page's origin (http://host:port) that may use /_sim and socket.io (repeatable; "
                            "'*' turns the Origin check off)")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="a host name /_sim and socket.io answer besides localhost and IP addresses (repeatable; "
                            "'*' turns the Host check off)")
    serve.add_argument("--seed", type=int, help="seed for generated item ids (0)")
    serve.add_argument("--journal-size", type=int, help="requests kept in the request journal (10000)")
    serve.add_argument("--journal-bytes", type=int, help="bytes of bodies the journal keeps (67108864)")
    serve.add_argument("--journal-body-limit", type=int, help="bytes of each body the journal keeps (65536)")
    serve.add_argument("--strict-stubs", action="store_true", default=None,
                       help="flag stub answers that break the contract (journal note, X-Micc-Sim-Stub-Warning)")
    serve.add_argument("--proxy", metavar="URL", help="forward requests to this real server and record them")
    serve.add_argument("--record", type=Path, metavar="FOLDER", help="where --proxy records (./recording)")
    serve.add_argument("--proxy-insecure", action="store_false", dest="proxy_verify", default=None,
                       help="do not check the --proxy target's TLS certificate (a lab server's self-signed one)")
    serve.add_argument("--replay", type=Path, help=argparse.SUPPRESS)  # micc-sim replay FOLDER
    serve.add_argument("--metrics-interval", type=float,
                       help="simulated seconds between samples of /_sim/metrics/series (1)")
    serve.add_argument("--metrics-size", type=int, help="samples kept in /_sim/metrics/series (3600)")
    serve.add_argument("--tls", choices=[m.value for m in TlsMode],
                       help="serve HTTPS: self-signed, or ca (a local CA signs the certificate; default off)")
    serve.add_argument("--tls-dir", type=Path, help="where certificates are kept (.micc-sim/tls)")
    serve.add_argument("--sdk-allow-ip", action="append", default=[], metavar="ADDRESS[/BITS]",
                       help="answer the MiCC SDK and AuthorizationServer only from these client addresses (repeatable; "
                            "quirk sdk_ip_allow_list)")
    serve.add_argument("--tls-name", action="append", default=[], metavar="HOST",
                       help="another host name the certificate must carry (repeatable)")
    serve.add_argument("--proxy-port", type=int, metavar="PORT",
                       help="also serve an HTTPS_PROXY and HTTP_PROXY on this port for *.api.mitel.io (only)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                       help="info logs a line per request to a face (info)")
    serve.add_argument("--log-format", default="text", choices=["text", "json"],
                       help="text, or one JSON object a line; either way with wall and simulated time (text)")


def _load_parser(commands: Any) -> None:
    from micc_sim.harness.load.profiles import PROFILES, SHAPES

    load = commands.add_parser(
        "load", help="run a locust load profile headless and judge it (queue cap kept, nothing lost)",
        description="Run a load profile with locust against a simulator (started here, or --base-url), then "
                    "write locust's reports, the simulator's time series and plots into --report-dir and say "
                    "pass or fail. Profiles: " + "; ".join(f"{p.name}: {p.summary}" for p in PROFILES.values()))
    load.add_argument("profile", choices=list(PROFILES))
    load.add_argument("--users", type=int, default=1, help="locust users, at most (1)")
    load.add_argument("--spawn-rate", type=float, default=1.0, help="users started per second (1)")
    load.add_argument("--duration", type=int, default=60, help="wall seconds the run lasts (60)")
    load.add_argument("--shape", choices=list(SHAPES), default="steady", help="how the user count moves (steady)")
    load.add_argument("--cap", type=int, default=10, help="the integration's queue cap (10)")
    load.add_argument("--cap-basis", choices=["queue-now", "own"], default="queue-now",
                      help="what the integration counts: Queue Now's waiting conversations, or its own items")
    load.add_argument("--rate", type=float, default=1.0,
                      help="chats arriving per second, per integration user; notifications: actions per second, per "
                           "CloudLink user (1)")
    load.add_argument("--queue", default="Web Chat", help="the queue the integration posts to (Web Chat)")
    load.add_argument("--poll", type=float, default=1.0, help="seconds between polls of one item (1)")
    load.add_argument("--patience", type=float, default=0.0, help="seconds before an unanswered customer leaves")
    load.add_argument("--chat-length", type=float, default=0.0,
                      help="seconds after the answer the integration completes a chat (0: agents end them)")
    load.add_argument("--accept-delay", help="the agents' accept delay: 3, uniform:1:5, exponential:4, ...")
    load.add_argument("--handle-time", help="the agents' handle time: 120, lognormal:120:0.5, never, ...")
    load.add_argument("--not-ready", help="the agents' not-ready spells: every=exponential:900,lasts=uniform:60:300"
                                          "[,presence=Busy][,reason=Break]")
    load.add_argument("--agents", type=int, default=0, help="extra virtual agents for the queue (0)")
    load.add_argument("--seed", type=int, default=0, help="seed of the simulator's draws and the chat arrivals")
    load.add_argument("--report-dir", type=Path, default=Path("reports/load"), help="(reports/load)")
    load.add_argument("--base-url", help="load this simulator instead of starting one (its /_sim must answer)")
    load.add_argument("--clock", choices=["scaled", "real"], default="scaled",
                      help="the started simulator's clock (scaled)")
    load.add_argument("--clock-scale", type=float, default=60.0, help="simulated seconds per wall second (60)")
    load.add_argument("--world", type=Path, help="the started simulator's world file")
    load.add_argument("--workers", type=int, default=0, help="run distributed: a locust master and N local workers")
    load.add_argument("--master", action="store_true", help="a locust master for workers started elsewhere")
    load.add_argument("--expect-workers", type=int, default=1, help="with --master: workers to wait for (1)")
    load.add_argument("--master-bind-host", default="127.0.0.1", help="with --master: address to listen on")
    load.add_argument("--master-port", type=int, default=5557, help="the master's port (5557)")
    load.add_argument("--worker", action="store_true", help="be a worker of a master started elsewhere")
    load.add_argument("--master-host", default="127.0.0.1", help="with --worker: the master's address")
    load.add_argument("--locust", default="", help="more locust options, as one string")
    load.add_argument("--quiet", action="store_true", help="no progress output")
    load.add_argument("--ignore-cap", action="store_true", help=argparse.SUPPRESS)  # tests: a misbehaving integration
    load.add_argument("--transport", choices=["both", "webhook", "websocket"], default="both",
                      help="notifications: how the consumer receives: signed webhooks, MQTT over WebSocket (both)")
    load.add_argument("--webhook-errors", type=float, default=0.0, metavar="SHARE",
                      help="notifications: share of webhook POSTs the consumer answers 503, so they are retried (0)")
    load.add_argument("--cloudlink-login", default="admin@wagner.example.com",
                      help="notifications: the CloudLink admin of the account (the consumer; it places the calls)")
    load.add_argument("--cloudlink-password", default="password", help="notifications: the admin's password")
    load.add_argument("--consumer-host", default="127.0.0.1",
                      help="notifications: the address the consumer's webhook receiver listens on (127.0.0.1)")


def main(argv: Sequence[str] | None = None) -> int:
    """Every failure the user can cause is one line on standard error and exit code 2, never a traceback; a
    closed standard output (``micc-sim coverage | head``) ends the command quietly."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(argv)
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        return 130


def _dispatch(argv: list[str]) -> int:
    from micc_sim.harness.execute import ExecError
    from micc_sim.serving import BindError

    command = []
    if argv[:1] == ["exec"] and "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1:]
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "exec":
            return _exec(argv[1:], command or args.command_args, args.ready_timeout)
        if args.command == "world":
            return _world(args)
        if args.command == "quirks":
            return _quirks()
        if args.command == "contract":
            return _contract(args)
        if args.command == "coverage":
            return _coverage(args)
        if args.command == "scenario":
            return _scenario(args)
        if args.command == "load":
            return _load(args)
        if args.command == "journal":
            return traffic.journal(args)
        if args.command == "drift":
            return traffic.drift(args)
        if args.command == "replay":
            return _serve(_parser().parse_args(["serve", *args.serve_options, "--replay", str(args.folder)]))
    except (WorldFileError, ContractError, ScenarioFileError, LoadError, ExecError, BindError,
            RecordingError) as exc:
        print(f"micc-sim: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file named on the command line that cannot be read or written
        if isinstance(exc, BrokenPipeError):
            raise
        print(f"micc-sim: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", file=sys.stderr)
        return 2
    return 1


def _quiet_stdout() -> None:
    """After a closed pipe, Python would complain again when it flushes standard output at exit."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _exec(tokens: list[str], command: list[str], ready_timeout: float) -> int:
    from micc_sim.harness.execute import run_exec

    serve_args, skip = [], False
    for token in tokens:  # serve's options as given, less exec's own
        if skip:
            skip = False
        elif token == "--ready-timeout":
            skip = True
        elif not token.startswith("--ready-timeout="):
            serve_args.append(token)
    return run_exec(serve_args, command, ready_timeout)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from micc_sim import logs
    from micc_sim.app import create_app
    from micc_sim.runtime import Simulator
    from micc_sim.serving import (
        ReadyServer,
        base_url,
        bind,
        install_log_redaction,
        raise_descriptor_limit,
        uvicorn_options,
        warn_if_exposed,
    )
    from micc_sim.settings import Settings

    logs.configure(args.log_level, args.log_format)
    flags = {
        "host": args.host, "port": args.port, "world_file": args.world, "clients_config": args.clients_config,
        "clock": args.clock, "clock_scale": args.clock_scale, "clock_start": args.clock_start,
        "clock_offset": args.clock_offset,
        "token_lifetime": args.token_lifetime, "strictness": args.strictness,
        "quirks": dict(args.quirk) or None, "control_from_anywhere": args.control_from_anywhere, "seed": args.seed,
        "tls": args.tls, "tls_dir": args.tls_dir, "tls_names": args.tls_name or None,
        "cors_origins": args.cors_origin or None, "sdk_allowed_ips": args.sdk_allow_ip or None,
        "journal_size": args.journal_size, "journal_bytes": args.journal_bytes,
        "journal_body_limit": args.journal_body_limit, "strict_stubs": args.strict_stubs, "proxy": args.proxy,
        "record_dir": args.record, "replay_dir": args.replay, "proxy_verify": args.proxy_verify,
        "state_dir": args.state_dir,
        "allowed_origins": args.allow_origin or None, "allowed_hosts": args.allow_host or None,
        "metrics_interval": args.metrics_interval, "metrics_size": args.metrics_size,
    }
    try:  # flags given override MICC_SIM_* variables, which override the defaults
        settings = Settings(**{k: v for k, v in flags.items() if v is not None})
        if args.clock == "scaled" and args.clock_scale is None and "clock_scale" not in settings.model_fields_set:
            settings = settings.model_copy(update={"clock_scale": 10.0})
    except ValidationError as exc:
        print(f"micc-sim: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    sim = Simulator(settings)
    ssl: dict[str, str] = {}
    if settings.tls is not TlsMode.OFF:
        hosts = list(dict.fromkeys(["localhost", "127.0.0.1", "::1", *CLOUDLINK_HOSTS, *settings.tls_names,
                                    *([settings.host] if settings.host not in ("0.0.0.0", "::") else [])]))
        files = ensure_certificates(settings.tls, settings.tls_dir, hosts)
        ssl = {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
    sock = bind(settings.host, settings.port)  # port 0: the system picks a free one, and we say which
    base = base_url(settings.host, sock.getsockname()[1], bool(ssl))
    print(f"micc-sim {__version__}: {len(sim.world.employees)} employees, {len(sim.world.queues)} queues, "
          f"clock {sim.clock.mode.value}" + (f" x{sim.clock.scale:g}" if sim.clock.mode.value == "scaled" else ""))
    print(f"  token:     POST {base}/authorizationserver/token")
    print(f"  MiCC SDK:  {base}/miccsdk/api/v1/openmedia")
    print(f"  hubs:      {base}/miccsdk/signalr (SignalR 2: employeeHub, queueHub)")
    print(f"  desktop:   {base}/socket.io/ namespace /agent (AgentClient; test page {base}/_sim/desktop/)")
    print(f"  CloudLink: {base}/<service>/2017-09-01 (authentication, admin, notifications, chat, media, presence, "
          "servicedelivery, workflow)")
    print(f"  control:   {base}/_sim/world (dashboard: {base}/_sim/dashboard; journal: {base}/_sim/journal)")
    if settings.replay_dir:
        print(f"  replay:    requests are answered from the recording {settings.replay_dir}")
    elif settings.proxy:
        print(f"  proxy:     requests go to {settings.proxy}, recorded into {settings.record_dir}")
    if ssl:
        print(f"  TLS {settings.tls.value}: clients trust {files.trust}")
    for message in sim.clients.rejected:
        print(f"  warning: Clients.config: {message}", file=sys.stderr)
    exposed = warn_if_exposed(settings.host, settings.control_from_anywhere)
    if exposed:
        print(f"  warning: {exposed}", file=sys.stderr)
    sim.own_sockets.add(settings.host, sock.getsockname()[1])
    app = create_app(sim)
    _tune_gc()
    raise_descriptor_limit()
    install_log_redaction()
    logs.configure(args.log_level, args.log_format, sim.clock)  # now with the simulated clock
    logs.log_requests(sim.journal)
    config = uvicorn.Config(app, log_level=args.log_level, log_config=None,
                            access_log=False,  # the journal's line replaces uvicorn's (micc_sim.logs)
                            timeout_graceful_shutdown=3,  # open hub long polls and streams do not hold a stop
                            **uvicorn_options(settings), **ssl)  # http: HttpProtocol with the limits of settings
    server = ReadyServer(config, base, args.ready_file)
    with contextlib.ExitStack() as proxy:
        if args.proxy_port is not None:
            target = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
            port = proxy.enter_context(proxy_in_thread(settings.host, args.proxy_port, target,
                                                       sock.getsockname()[1], target_tls=bool(ssl)))
            print(f"  proxy:     HTTPS_PROXY=http://{target}:{port} HTTP_PROXY=http://{target}:{port} "
                  "(*.api.mitel.io here, nothing else)")
        server.run(sockets=[sock])
    return 0


def _tune_gc() -> None:
    """The server holds up to 100,000 ended items and any number of live ones. With CPython's default
    thresholds, a young collection runs every 700 allocations and a full one walks everything every few
    seconds under load: pauses of 100-200 ms, the benchmark's p99. What the server built before it serves
    (modules, contracts, the world) lives as long as the process: frozen, collections skip it; young
    collections run every 50,000 allocations, so most of a request's objects are gone before one does."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


def _world(args: argparse.Namespace) -> int:
    if args.world_command == "check":
        config = load_world_file(args.file)
        print(f"{args.file}: ok ({len(config.employees)} employees, {len(config.agent_groups)} agent groups, "
              f"{len(config.queues)} queues)")
        return 0
    config = load_world_file(args.world) if args.world else default_world()
    print(yaml.safe_dump(config.model_dump(mode="json", exclude_unset=True), sort_keys=False), end="")
    return 0


def _quirks() -> int:
    defaults = Quirks().as_dict()
    for name, source, doc in Quirks.describe():
        print(f"{name} (default {'on' if defaults[name] else 'off'}; {source})\n    {doc}")
    return 0


def _contract(args: argparse.Namespace) -> int:
    if bool(args.client_id) != bool(args.client_secret):
        raise ContractError("--client-id and --client-secret go together")
    run = ContractRun(
        base_url=args.base_url, username=args.username, password=args.password, client_id=args.client_id,
        client_secret=args.client_secret, report_dir=args.report_dir, checks=args.checks.split(","),
        phases=args.phases, max_examples=args.max_examples, workers=args.workers, include_tags=args.tag,
        tls_verify=not args.insecure, surface=args.surface, account_id=args.account_id,
    )
    return run_contract(run)


def _scenario(args: argparse.Namespace) -> int:
    import json

    from micc_sim.harness.scenarios.model import json_schema
    from micc_sim.harness.scenarios.report import run_all

    if args.scenario_command == "schema":
        print(json.dumps(json_schema(), indent=2))
        return 0
    if args.scenario_command == "list":
        return _list_scenarios(args.paths)
    results = run_all(args.paths, base_url=args.base_url, junit=args.junit)
    return 0 if all(r.passed or r.skipped for r in results) else 1


def _list_scenarios(paths: list[Path]) -> int:
    from micc_sim.harness.scenarios.model import load_scenario
    from micc_sim.harness.scenarios.report import library, scenario_files

    root = library()
    for path in scenario_files(paths):
        try:
            shown = f"library:{path.relative_to(root).as_posix()}"
        except ValueError:
            shown = str(path)
        try:
            scenario = load_scenario(path)
        except ScenarioFileError as exc:
            print(f"{shown}\n    (cannot be read: {exc})")
            continue
        print(f"{shown}\n    {scenario.name}" + (f" [{scenario.source}]" if scenario.source else ""))
    return 0


def _load(args: argparse.Namespace) -> int:
    import shlex

    from micc_sim.harness.load.runner import LoadRun, run_load, run_worker

    if args.worker:
        return run_worker(args.master_host, args.master_port)
    run = LoadRun(
        profile=args.profile, users=args.users, spawn_rate=args.spawn_rate, duration=args.duration, shape=args.shape,
        cap=args.cap, cap_basis=args.cap_basis, rate=args.rate, queue=args.queue, poll=args.poll,
        patience=args.patience, chat_length=args.chat_length, accept_delay=args.accept_delay,
        handle_time=args.handle_time, not_ready=args.not_ready, agents=args.agents, seed=args.seed,
        report_dir=args.report_dir, base_url=args.base_url, clock=args.clock, clock_scale=args.clock_scale,
        world=args.world, workers=args.workers, master=args.master, expect_workers=args.expect_workers,
        master_bind_host=args.master_bind_host, master_port=args.master_port, ignore_cap=args.ignore_cap,
        quiet=args.quiet, locust_args=shlex.split(args.locust), transport=args.transport,
        webhook_errors=args.webhook_errors, cloudlink_login=args.cloudlink_login,
        cloudlink_password=args.cloudlink_password, consumer_host=args.consumer_host,
    )
    return run_load(run)


def _coverage(args: argparse.Namespace) -> int:
    from micc_sim.faces.micc import sdk
    from micc_sim.spec.contract import load_contract
    from micc_sim.spec.coverage import coverage, markdown

    if args.properties:
        return _property_coverage(args)
    rows = coverage(load_contract(sdk.CONTRACT), sdk.HANDLERS)
    if args.markdown:
        print(markdown(rows, "MiCC SDK"), end="")
        return 0
    width = max(len(r.operation_id) for r in rows)
    for row in rows:  # an operation without a handler answers 501 unless a world file marks it synthesized
        print(f"{'stateful   ' if row.stateful else 'missing    '}  {row.operation_id:<{width}}  {row.method:<6} "
              f"{row.path}")
    print(f"{sum(r.stateful for r in rows)} of {len(rows)} operations stateful")
    return 0


def _property_coverage(args: argparse.Namespace) -> int:
    """0 when fewer than 1% of the declared properties are missing (the goal of whole answers), else 1."""
    from contextlib import closing

    from micc_sim.faces.micc import sdk
    from micc_sim.harness.completeness import admin_client, measure, populate, text_report, totals
    from micc_sim.spec.contract import load_contract

    contract = load_contract(sdk.CONTRACT)
    if args.base_url:
        with closing(admin_client(args.base_url)) as http:
            reports = measure(http, contract, sdk.HANDLERS)
    else:
        from micc_sim.runtime import Simulator
        from micc_sim.settings import Settings
        from micc_sim.testing import serve_in_thread

        sim = Simulator(Settings(clock="manual", clock_start="2026-11-23T09:00:00Z"))
        with serve_in_thread(sim) as running, closing(admin_client(running.base_url)) as http:
            populate(http)
            reports = measure(http, contract, sdk.HANDLERS)
    print(text_report(reports, verbose=args.details), end="")
    return 0 if totals(reports).missing_share < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
