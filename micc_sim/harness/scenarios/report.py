"""Running a set of scenario files with progress on the terminal, a summary, and a JUnit XML report."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from micc_sim.harness.scenarios.model import ScenarioFileError, load_scenario
from micc_sim.harness.scenarios.runner import Result, run_scenario


def library() -> Path:
    """The scenario library that ships with micc-sim (the integrator guide's cases, real-time flows, ...)."""
    return Path(str(resources.files("micc_sim") / "scenario_library"))


def default_paths() -> list[Path]:
    """What ``scenario run`` and ``scenario list`` take without arguments: the library, and the user's own
    ``./scenarios`` folder beside it when there is one (in a checkout of micc-sim that folder is the library)."""
    paths = [library()]
    local = Path("scenarios")
    if local.is_dir() and not local.resolve().samefile(paths[0].resolve()):
        paths.append(local)
    return paths


def _by_name(path: Path) -> Path | None:
    """``queue-cap`` or ``integrator-guide/queue-cap``: a scenario of the library named without its folder."""
    name = str(path).removesuffix(".yaml")
    candidates = [p for p in library().rglob("*.yaml")
                  if p.stem == name or p.relative_to(library()).with_suffix("").as_posix() == name]
    return candidates[0] if len(candidates) == 1 else None


def scenario_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths or default_paths():
        if not path.exists() and (named := _by_name(path)) is not None:
            path = named
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.yaml") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise ScenarioFileError(f"{path}: no such file or folder")
    if not found:
        raise ScenarioFileError(f"no scenario files (*.yaml) under {', '.join(map(str, paths))}")
    return found


def run_all(paths: list[Path], base_url: str | None = None, junit: Path | None = None,
            console: Console | None = None) -> list[Result]:
    console = console or Console(stderr=True, soft_wrap=True)
    files = scenario_files(paths)
    results: list[Result] = []
    columns = (TextColumn("[bold]scenarios"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=len(files))
        for path in files:
            try:
                scenario = load_scenario(path)
            except ScenarioFileError as exc:
                results.append(Result(path.stem, str(path), False, 0.0, 0, failure=str(exc)))
                progress.advance(task)
                continue
            progress.update(task, description=scenario.name)
            results.append(run_scenario(scenario, str(path), base_url))
            progress.advance(task)
    for result in results:
        if result.skipped:
            console.print(f"[yellow]SKIP[/] {escape(result.name)} ({escape(result.path)}): {escape(result.skipped)}")
        elif result.passed:
            console.print(f"[green]PASS[/] {escape(result.name)} [dim]({result.seconds:.2f} s)[/]")
        else:
            console.print(f"[red]FAIL[/] {escape(result.name)} ({escape(result.path)})\n     "
                          f"{escape(result.failure or '')}")
            for line in result.log[-5:]:
                console.print(f"     [dim]{escape(line)}[/]")
    passed = sum(r.passed for r in results)
    failed = sum(1 for r in results if not r.passed and not r.skipped)
    skipped = sum(1 for r in results if r.skipped)
    console.print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    if junit:
        write_junit(results, junit)
    return results


def write_junit(results: list[Result], path: Path) -> None:
    suite = ET.Element("testsuite", name="micc-sim scenarios", tests=str(len(results)),
                       failures=str(sum(1 for r in results if not r.passed and not r.skipped)),
                       skipped=str(sum(1 for r in results if r.skipped)),
                       time=f"{sum(r.seconds for r in results):.3f}")
    for result in results:
        case = ET.SubElement(suite, "testcase", classname=result.path or "scenario", name=result.name,
                             time=f"{result.seconds:.3f}")
        if result.skipped:
            ET.SubElement(case, "skipped", message=result.skipped)
        elif not result.passed:
            failure = ET.SubElement(case, "failure", message=(result.failure or "")[:500])
            failure.text = "\n".join([result.failure or "", *result.log])
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
