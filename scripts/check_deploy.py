#!/usr/bin/env python3
"""Cross-checks of the deployment files that no schema can make, without a Docker engine or a
cluster: compose.yaml and deploy/k8s against the Dockerfile, Package.swift, the Swift sources
and each other. scripts/check-deploy.sh runs it (after the schema checks) in its venv.

Prints one line per failed check and a closing `N passed, N failed` line; exits 1 on a failure.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
K8S = REPO / "deploy" / "k8s"

# The streams each service's consumer group reads, under the key prefix: the table the KEDA
# triggers must match. check_stream_table() holds it against the services' Swift sources.
STREAMS_READ = {
    "auth": ["commands:auth"],
    "tickets": ["commands:tickets", "events:order:created", "events:order:cancelled"],
    "orders": [
        "commands:orders",
        "events:ticket:created",
        "events:ticket:updated",
        "events:expiration:complete",
        "events:payment:created",
    ],
    "expiration": ["events:order:cancelled"],
    "payments": ["commands:payments", "events:order:created", "events:order:cancelled"],
}
WORKERS = [f"{service}-worker" for service in STREAMS_READ]
SERVER_EXECUTABLES = ["api", *WORKERS]  # the long-running processes: a Deployment each
# Executables the image carries that are being added on other branches; named here so that
# their absence from Package.swift is a warning until they land, not a failure.
EXPECTED_ELSEWHERE = {"ticketing-admin"}
# Secrets never stand in compose.yaml as values, only as ${…} from the user's environment.
SECRET_VARIABLES = {"JWT_KEY", "STRIPE_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "API_DATABASE_PASSWORD", "PASSWORD_SEAL_KEYS"} | {
    f"REDIS_PASSWORD_{user}" for user in ("API", "AUTH", "TICKETS", "ORDERS", "EXPIRATION", "PAYMENTS", "ADMIN", "KEDA")
}
# The key that seals passwords from the API to the auth worker: those two hold it, no one else.
SEAL_KEY_HOLDERS = {"api", "auth-worker"}


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, condition: bool, message: str) -> bool:
        if condition:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {message}")
        return condition

    @staticmethod
    def warn(message: str) -> None:
        print(f"WARN {message}")


# --- sources of truth ------------------------------------------------------------------------


def package_executables() -> set[str]:
    """Executable targets in Package.swift, benchmarks left out."""
    text = (REPO / "Package.swift").read_text()
    found = set()
    for match in re.finditer(r"\.executableTarget\((.*?)\n\s*\)", text, re.S):
        body = match.group(1)
        name = re.search(r'name:\s*"([^"]+)"', body)
        path = re.search(r'path:\s*"([^"]+)"', body)
        if name and not (path and path.group(1).startswith("Benchmarks/")):
            found.add(name.group(1))
    return found


def dockerfile() -> tuple[dict[str, list[str]], set[str]]:
    """The Dockerfile's stages with the command each runs, and the products it builds."""
    stages: dict[str, list[str]] = {}
    current = None
    products: set[str] = set()
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if match := re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.I):
            current = match.group(1)
            stages[current] = []
        elif match := re.match(r"(ENTRYPOINT|CMD)\s+(\[.*\])", line):
            if current and (match.group(1) == "ENTRYPOINT" or not stages[current]):
                stages[current] = yaml.safe_load(match.group(2))
        elif match := re.match(r'ARG\s+PRODUCTS="([^"]*)"', line):
            products = set(match.group(1).split())
    return stages, products


def swift_shutdown_bound() -> float:
    """Seconds a worker may take to stop: its shutdown grace (WorkerConfiguration.swift)."""
    text = (REPO / "Sources/Workers/Runtime/WorkerConfiguration.swift").read_text()
    match = re.search(r"shutdownGrace: Duration = \.seconds\((\d+)\)", text)
    if not match:
        raise SystemExit("cannot find shutdownGrace in WorkerConfiguration.swift; update scripts/check_deploy.py")
    return float(match.group(1))


def streams_in_sources() -> dict[str, set[str]]:
    """The streams each service registers handlers on, read from its *Service.swift: every
    `keys.commands(.x)` and `keys.events(.y)` / `keys.events(Type.name)` in the file, except on
    a line that retires a stream."""
    names = (REPO / "Sources/Contracts/Names.swift").read_text()
    event_names = dict(re.findall(r'case (\w+) = "([^"]+)"', names))
    events = (REPO / "Sources/Contracts/Domain/Events.swift").read_text()
    event_types = dict(re.findall(r"struct (\w+): Event \{\s*public static let name = EventName\.(\w+)", events))
    found: dict[str, set[str]] = {}
    for service in STREAMS_READ:
        folder = REPO / "Sources/Workers" / service.capitalize()
        text = "\n".join(path.read_text() for path in sorted(folder.glob("*Service.swift")))
        # A retired stream (`service.retire(…)`) is one the service no longer reads.
        text = "\n".join(line for line in text.splitlines() if ".retire(" not in line)
        streams = {f"commands:{name}" for name in re.findall(r"commands\(\.(\w+)\)", text)}
        for argument in re.findall(r"events\(([\w.]+)\)", text):
            case = argument[1:] if argument.startswith(".") else event_types.get(argument.removesuffix(".name"), "")
            streams.add(f"events:{event_names.get(case, '?' + argument)}")
        found[service] = streams
    return found


def load_yaml(path: Path) -> dict:
    documents = [document for document in yaml.safe_load_all(path.read_text()) if document is not None]
    if len(documents) != 1:
        raise SystemExit(f"{path.relative_to(REPO)}: expected one document, found {len(documents)}")
    return documents[0]


# --- compose.yaml ----------------------------------------------------------------------------


def interpolated(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\$\{[A-Z_]+(:?[-?][^}]*)?\}", value) is not None


def default_secret(value: object) -> bool:
    """Whether a ${NAME:-default} or ${NAME-default} gives a secret a non-empty default."""
    return any(default for default in re.findall(r"\$\{[A-Z0-9_]+:?-([^}]*)\}", str(value)))


def required(value: str) -> bool:
    """Whether the value is a ${NAME:?message} that compose refuses to leave unset."""
    return re.search(r"\$\{[A-Z0-9_]+:\?[^}]*\}", value) is not None


def check_compose(report: Report, executables: set[str], stages: dict[str, list[str]], products: set[str]) -> None:
    compose = load_yaml(REPO / "compose.yaml")
    services: dict = compose["services"]
    targets: dict[str, str] = {}  # executable -> compose service
    for name, service in services.items():
        report.check("container_name" not in service, f"compose: {name} has a container_name, so it cannot be scaled")
        build = service.get("build")
        if build is None:
            continue
        report.check(isinstance(build, dict) and build.get("context") == ".", f"compose: {name} does not build from the repository root (build.context .)")
        report.check(build.get("dockerfile", "Dockerfile") == "Dockerfile", f"compose: {name} does not build from the Dockerfile")
        target = build.get("target")
        if not report.check(target in stages, f"compose: {name} builds target {target!r}, which the Dockerfile does not have"):
            continue
        command = stages[target]
        executable = command[0] if command else None
        report.check(executable == target, f"Dockerfile: target {target} runs {executable!r}, not {target}")
        report.check(executable in products, f"Dockerfile: target {target} runs {executable!r}, which PRODUCTS does not build")
        targets[target] = name

    for executable in sorted(executables | EXPECTED_ELSEWHERE):
        report.check(executable in products, f"Dockerfile: PRODUCTS does not build {executable}")
        report.check(executable in targets, f"compose: no service builds the Dockerfile target {executable}")
    for executable in sorted(products - executables):
        if executable in EXPECTED_ELSEWHERE:
            Report.warn(f"{executable} is in the Dockerfile but not yet in Package.swift (expected from another branch)")
        else:
            report.check(False, f"Dockerfile: PRODUCTS builds {executable}, which Package.swift does not have")

    for executable in SERVER_EXECUTABLES:
        name = targets.get(executable)
        if name is None:
            continue
        service = services[name]
        depends = service.get("depends_on", {})
        for server in ("redis", "postgres"):
            report.check(
                isinstance(depends, dict) and depends.get(server, {}).get("condition") == "service_healthy",
                f"compose: {name} does not wait for {server} to be healthy (depends_on with condition service_healthy)")
        report.check("healthcheck" in service, f"compose: {name} has no healthcheck")
        environment = service.get("environment", {})
        for variable, value in environment.items():
            if variable in SECRET_VARIABLES:
                report.check(interpolated(value), f"compose: {name}'s {variable} holds a value, not a ${{…}} from the environment")
                report.check(not default_secret(value), f"compose: {name}'s {variable} has a default value; a secret must be given or be empty")
            elif password := re.search(r"://[^/@:]*:([^@/]*)@", str(value)):
                report.check("${" in password.group(1), f"compose: {name}'s {variable} holds a password, not a ${{…}} from the environment")
        report.check(("PASSWORD_SEAL_KEYS" in environment) == (executable in SEAL_KEY_HOLDERS),
                     f"compose: {name} {'lacks' if executable in SEAL_KEY_HOLDERS else 'is given'} PASSWORD_SEAL_KEYS (only {sorted(SEAL_KEY_HOLDERS)} hold it)")
        if executable == "api":
            metrics_port = str(environment.get("METRICS_PORT", ""))
            report.check(metrics_port.isdigit() and metrics_port != str(environment.get("PORT", "")),
                         "compose: api sets no METRICS_PORT of its own, so it serves no /metrics")
            published = " ".join(str(port) for port in service.get("ports", []))
            report.check(f":{metrics_port}" not in published, f"compose: api publishes its operations port {metrics_port}")
        if executable in WORKERS:
            report.check("ports" not in service, f"compose: worker {name} publishes ports, so copies would collide")
            port = str(environment.get("METRICS_PORT", ""))
            report.check(port.isdigit(), f"compose: worker {name} sets no METRICS_PORT")
            report.check(environment.get("METRICS_HOST") == "0.0.0.0", f"compose: worker {name} does not set METRICS_HOST 0.0.0.0, so its metrics are unreachable")
            test = " ".join(service.get("healthcheck", {}).get("test", []))
            report.check(f":{port}/" in test, f"compose: {name}'s healthcheck does not ask its METRICS_PORT ({port})")

    redis = " ".join(str(part) for part in services["redis"].get("command", []))
    for setting in ("--appendonly yes", "--appendfsync always", "--auto-aof-rewrite-min-size 1gb", "--maxmemory-policy noeviction"):
        report.check(setting in redis, f"compose: redis does not run with {setting}")
    for server in ("redis", "postgres"):
        report.check(bool(services[server].get("volumes")), f"compose: {server} keeps no data volume")
        report.check("healthcheck" in services[server], f"compose: {server} has no healthcheck")
    password = services["postgres"].get("environment", {}).get("POSTGRES_PASSWORD")
    report.check(interpolated(password), "compose: POSTGRES_PASSWORD is a value, not a ${…} from the environment")
    report.check(not default_secret(password), "compose: POSTGRES_PASSWORD has a default value")
    for text in (str(password), str(services["api"].get("environment", {}).get("JWT_KEY"))):
        report.check(required(text), f"compose: {text} is not required (${{NAME:?…}}), so compose would start without it")
    database = str(services["api"].get("environment", {}).get("DATABASE_URL", ""))
    report.check(not default_secret(database), "compose: DATABASE_URL's password has a default value")
    check_redis_users(report, services, targets)


def check_redis_users(report: Report, services: dict, targets: dict[str, str]) -> None:
    """Each process connects as a Redis ACL user of its own that deploy/redis defines."""
    template = (REPO / "deploy" / "redis" / "users.acl.template").read_text()
    defined = set(re.findall(r"^user (\S+)", template, re.M))
    report.check("default" in defined and "user default on nopass resetkeys resetchannels -@all +ping" in template,
                 "deploy/redis: the default user may do more than PING")
    seen: dict[str, str] = {}
    for executable in [*SERVER_EXECUTABLES, "ticketing-admin"]:
        name = targets.get(executable)
        if name is None:
            continue
        url = str(services[name].get("environment", {}).get("REDIS_URL", ""))
        user = re.match(r"rediss?://([^:@/]+):", url)
        if not report.check(user is not None, f"compose: {name}'s REDIS_URL names no ACL user"):
            continue
        report.check(user.group(1) in defined, f"compose: {name} connects as Redis user {user.group(1)}, which deploy/redis does not define")
        report.check(user.group(1) not in seen, f"compose: {name} shares Redis user {user.group(1)} with {seen.get(user.group(1))}")
        seen[user.group(1)] = name


# --- deploy/k8s ------------------------------------------------------------------------------


def container_environment(container: dict, configmaps: dict[str, dict]) -> dict[str, object]:
    """The variables a container sees: its envFrom ConfigMaps, then its env (secret refs as dicts)."""
    environment: dict[str, object] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            environment.update(configmaps.get(source["configMapRef"]["name"], {}).get("data", {}))
    for variable in container.get("env", []):
        environment[variable["name"]] = variable.get("value", variable.get("valueFrom"))
    return environment


def resolve_port(container: dict, port: object) -> int | None:
    if isinstance(port, int):
        return port
    for declared in container.get("ports", []):
        if declared.get("name") == port:
            return declared["containerPort"]
    return None


def check_k8s(report: Report, executables: set[str]) -> None:
    kustomization = load_yaml(K8S / "kustomization.yaml")
    manifests = {
        str(path.relative_to(K8S)): load_yaml(path)
        for path in sorted(K8S.rglob("*.yaml"))
        if path.name != "kustomization.yaml" and "schemas" not in path.parts
    }
    listed = set(kustomization.get("resources", []))
    for name in sorted(listed - set(manifests)):
        report.check(False, f"k8s: kustomization.yaml lists {name}, which does not exist")
    for name in sorted(set(manifests) - listed):
        report.check(name == "secret.example.yaml", f"k8s: {name} is not in kustomization.yaml")
    report.check("secret.example.yaml" not in listed, "k8s: kustomization.yaml lists the Secret example, which would apply its placeholder values")

    by_kind: dict[str, dict[str, dict]] = {}
    for document in manifests.values():
        by_kind.setdefault(document["kind"], {})[document["metadata"]["name"]] = document
    deployments = by_kind.get("Deployment", {})
    configmaps = by_kind.get("ConfigMap", {})
    secrets = by_kind.get("Secret", {})
    secret_keys = {name: set(secret.get("stringData", {})) | set(secret.get("data", {})) for name, secret in secrets.items()}
    images = {image["name"] for image in kustomization.get("images", [])}
    prefix = configmaps.get("ticketing-config", {}).get("data", {}).get("KEY_PREFIX", "ticketing")
    block_seconds = int(configmaps.get("ticketing-config", {}).get("data", {}).get("BLOCK_MS", "2000")) / 1000
    drain_bound = swift_shutdown_bound() + block_seconds

    report.check(set(deployments) == set(SERVER_EXECUTABLES), f"k8s: the Deployments should be exactly {', '.join(SERVER_EXECUTABLES)} (found {', '.join(sorted(deployments))})")
    for executable in sorted(set(SERVER_EXECUTABLES) - executables):
        report.check(False, f"Package.swift has no executable {executable}, which k8s deploys")

    redis_keys: dict[str, str | None] = {}  # Deployment -> the Secret key of its REDIS_URL
    for name, deployment in sorted(deployments.items()):
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        labels = spec["template"]["metadata"].get("labels", {})
        report.check(all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items()), f"k8s: {name}'s selector does not match its pod labels")
        report.check(pod.get("terminationGracePeriodSeconds", 30) > drain_bound,
                     f"k8s: {name}'s terminationGracePeriodSeconds is not above the worker's drain bound ({drain_bound:g} s)")
        report.check(pod.get("securityContext", {}).get("runAsNonRoot") is True, f"k8s: {name} does not set runAsNonRoot")
        containers = pod["containers"]
        report.check(len(containers) == 1, f"k8s: {name} has more than one container")
        container = containers[0]
        command = container.get("command", [])
        report.check(bool(command) and Path(command[0]).name == name, f"k8s: {name}'s container does not run {name}")
        report.check(container.get("image") in images, f"k8s: {name}'s image is not the one kustomization.yaml sets")
        security = container.get("securityContext", {})
        report.check(security.get("readOnlyRootFilesystem") is True, f"k8s: {name} does not have a read-only root file system")
        report.check(security.get("allowPrivilegeEscalation") is False, f"k8s: {name} does not set allowPrivilegeEscalation false")
        resources = container.get("resources", {})
        report.check({"cpu", "memory"} <= set(resources.get("requests", {})) and "memory" in resources.get("limits", {}),
                     f"k8s: {name} lacks CPU and memory requests or a memory limit")
        environment = container_environment(container, configmaps)
        for variable in container.get("env", []):
            reference = variable.get("valueFrom", {}).get("secretKeyRef")
            if reference:
                report.check(reference["key"] in secret_keys.get(reference["name"], set()),
                             f"k8s: {name}'s {variable['name']} reads {reference['name']}/{reference['key']}, which the Secret example does not have")
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                report.check(source["configMapRef"]["name"] in configmaps, f"k8s: {name} reads ConfigMap {source['configMapRef']['name']}, which is missing")
        for variable in ("REDIS_URL", "DATABASE_URL"):
            report.check(isinstance(environment.get(variable), dict), f"k8s: {name} does not take {variable} from the Secret")
        redis_url = environment.get("REDIS_URL")
        redis_key = redis_url.get("secretKeyRef", {}).get("key") if isinstance(redis_url, dict) else None
        sharing = [other for other, key in redis_keys.items() if key == redis_key]
        report.check(not sharing, f"k8s: {name} shares its REDIS_URL ({redis_key}) with {', '.join(sharing)}, not a Redis user of its own")
        redis_keys[name] = redis_key
        if name in SEAL_KEY_HOLDERS:
            report.check(isinstance(environment.get("PASSWORD_SEAL_KEYS"), dict), f"k8s: {name} does not take PASSWORD_SEAL_KEYS from the Secret")
        else:
            report.check("PASSWORD_SEAL_KEYS" not in environment, f"k8s: {name} is given PASSWORD_SEAL_KEYS, which only {sorted(SEAL_KEY_HOLDERS)} hold")

        port_variable = "PORT" if name == "api" else "METRICS_PORT"
        port = str(environment.get(port_variable, ""))
        report.check(port.isdigit(), f"k8s: {name} sets no {port_variable}")
        probes = {"readinessProbe": "/readyz", "livenessProbe": "/healthz"}
        for probe, path in probes.items():
            http = container.get(probe, {}).get("httpGet", {})
            report.check(http.get("path") == path, f"k8s: {name}'s {probe} does not ask {path}")
            report.check(str(resolve_port(container, http.get("port"))) == port,
                         f"k8s: {name}'s {probe} asks port {http.get('port')!r}, not its {port_variable} {port}")
        # /metrics is on the operations port only: Prometheus must be pointed there, never at
        # the API's public PORT.
        metrics_port = str(environment.get("METRICS_PORT", ""))
        report.check(metrics_port.isdigit(), f"k8s: {name} sets no METRICS_PORT, so it serves no /metrics")
        report.check(environment.get("METRICS_HOST") == "0.0.0.0", f"k8s: {name} does not set METRICS_HOST 0.0.0.0, so its operations port is unreachable")
        annotations = spec["template"]["metadata"].get("annotations", {})
        scraped = str(annotations.get("prometheus.io/port", ""))
        report.check(scraped == metrics_port, f"k8s: {name}'s prometheus.io/port is {scraped!r}, not its METRICS_PORT {metrics_port}")
        report.check(name != "api" or scraped != str(environment.get("PORT", "")), "k8s: api is scraped on its public port, which serves no /metrics")
        if name in WORKERS:
            report.check("replicas" not in spec, f"k8s: {name} sets replicas, which would fight KEDA on every apply")

    for name, service in sorted(by_kind.get("Service", {}).items()):
        selector = service["spec"].get("selector", {})
        chosen = [d for d in deployments.values() if all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in selector.items())]
        report.check(bool(chosen), f"k8s: Service {name} selects no Deployment's pods")
        for port in service["spec"].get("ports", []):
            target = port.get("targetPort", port["port"])
            report.check(all(resolve_port(d["spec"]["template"]["spec"]["containers"][0], target) for d in chosen),
                         f"k8s: Service {name}'s targetPort {target!r} is not a port of every pod it selects")

    authentications = by_kind.get("TriggerAuthentication", {})
    for name, authentication in sorted(authentications.items()):
        for reference in authentication["spec"].get("secretTargetRef", []):
            report.check(reference["key"] in secret_keys.get(reference["name"], set()),
                         f"k8s: TriggerAuthentication {name} reads {reference['name']}/{reference['key']}, which the Secret example does not have")

    scaled = by_kind.get("ScaledObject", {})
    targeted = set()
    for name, scaled_object in sorted(scaled.items()):
        spec = scaled_object["spec"]
        target = spec["scaleTargetRef"]["name"]
        targeted.add(target)
        if not report.check(target in deployments and target in WORKERS, f"k8s: ScaledObject {name} targets {target}, which is not a worker Deployment"):
            continue
        service = target.removesuffix("-worker")
        container = deployments[target]["spec"]["template"]["spec"]["containers"][0]
        environment = container_environment(container, configmaps)
        report.check(spec.get("minReplicaCount", 0) >= 1, f"k8s: ScaledObject {name} may scale to zero, but pending entries need a consumer to wake one")
        report.check(spec.get("maxReplicaCount", 0) >= spec.get("minReplicaCount", 0), f"k8s: ScaledObject {name}'s maximum is below its minimum")
        streams = []
        for trigger in spec["triggers"]:
            metadata = trigger.get("metadata", {})
            report.check(trigger.get("type") == "redis-streams", f"k8s: ScaledObject {name} has a trigger that is not redis-streams")
            report.check(metadata.get("consumerGroup") == service, f"k8s: ScaledObject {name}'s trigger on {metadata.get('stream')} reads group {metadata.get('consumerGroup')!r}, not {service!r}")
            report.check("pendingEntriesCount" in metadata, f"k8s: ScaledObject {name}'s trigger on {metadata.get('stream')} has no pendingEntriesCount target")
            variable = metadata.get("addressFromEnv")
            if variable:
                report.check(variable in environment, f"k8s: ScaledObject {name} takes the address from {variable}, which {target}'s container does not have")
            reference = trigger.get("authenticationRef", {}).get("name")
            report.check(reference in authentications, f"k8s: ScaledObject {name}'s trigger uses TriggerAuthentication {reference!r}, which is missing")
            streams.append(metadata.get("stream"))
        expected = [f"{prefix}:{stream}" for stream in STREAMS_READ[service]]
        report.check(len(streams) == len(set(streams)), f"k8s: ScaledObject {name} has two triggers on one stream")
        report.check(set(streams) == set(expected),
                     f"k8s: ScaledObject {name}'s streams are {sorted(streams)}, but the {service} group reads {sorted(expected)}")
    for worker in WORKERS:
        report.check(worker in targeted, f"k8s: no ScaledObject scales {worker}")


def check_stream_table(report: Report) -> None:
    for service, streams in streams_in_sources().items():
        report.check(streams == set(STREAMS_READ[service]),
                     f"STREAMS_READ[{service!r}] is {sorted(STREAMS_READ[service])}, but the sources read {sorted(streams)}: update scripts/check_deploy.py and the KEDA triggers")


def check_run_local(report: Report, executables: set[str]) -> None:
    text = (REPO / "scripts/run-local.sh").read_text()
    listed = set(re.findall(r"([a-z]+-worker):[A-Z]+", text)) | {"api"}
    report.check(listed == set(SERVER_EXECUTABLES) and set(SERVER_EXECUTABLES) <= executables,
                 f"scripts/run-local.sh starts {sorted(listed)}; Package.swift has {sorted(executables)}")


def main() -> int:
    report = Report()
    executables = package_executables()
    stages, products = dockerfile()
    check_stream_table(report)
    check_run_local(report, executables)
    check_compose(report, executables, stages, products)
    check_k8s(report, executables)
    print(f"deploy cross-checks: {report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
