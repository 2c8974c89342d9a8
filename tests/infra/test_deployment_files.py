"""The deployment files (infra/) are valid and keep the promises docs/operations.md makes about them.

Docker does not run here, so nothing is built or started. Instead every file is checked with the tool
that would reject it in production: kustomize (kubectl's) renders the overlays, kubernetes-validate
checks every object against the Kubernetes OpenAPI schemas it bundles, ``nginx -t`` loads the proxy
configuration with a throwaway certificate, and promtool checks and unit-tests the alerts. On top of
that, the properties the threat model depends on: no client address in proxy logs, no secret written
in a manifest, non-root read-only containers, the public ingress reaching the intake tier only, the
worker key and Twilio egress confined to the worker, and every workload's settings passing the
production check. A missing tool skips its tests with the reason; with CI=true it fails them.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from signalement.settings import Settings, check_production, load_settings
from support.pg import CI

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
K8S = INFRA / "k8s"
KUSTOMIZATIONS = ["overlays/production", "overlays/split-tiers", "ceremony"]
# The oldest Kubernetes minor we support, and the newest schema kubernetes-validate ships.
K8S_VERSIONS = ["1.30.0", "latest"]
SETTINGS_FIELDS = {f.name for f in msgspec.structs.fields(Settings)}
SECRET_SETTINGS = {"database_url", "redis_url", "pepper_keys", "blind_index_keys", "form_keys", "audit_keys",
                   "followup_mac_keys", "staff_keys", "worker_keys",
                   "metrics_token", "twilio_auth_token", "twilio_account_sid"}
POD_KINDS = {"Deployment": ("spec", "template", "spec"), "Job": ("spec", "template", "spec"), "Pod": ("spec",)}


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    reason = f"{name} is not installed (infra/ci/system-deps.sh installs it where it can)"
    if CI:
        pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
    pytest.skip(f"{reason}; CI=true makes this a failure")


# ---- reading the files ----------------------------------------------------------------------------

def yaml_files() -> list[Path]:
    return sorted(p for p in INFRA.rglob("*.y*ml") if "secrets" not in p.parts)


@functools.cache
def rendered(kustomization: str) -> tuple[dict[str, Any], ...]:
    kubectl = require_tool("kubectl")
    out = subprocess.run([kubectl, "kustomize", str(K8S / kustomization)],  # noqa: S603 - our own files
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return tuple(d for d in yaml.safe_load_all(out.stdout) if d)


def objects(kustomization: str, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in rendered(kustomization) if o["kind"] == kind}


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj
    for key in POD_KINDS[obj["kind"]]:
        spec = spec[key]
    return spec


def pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    return obj["metadata"]["labels"] if obj["kind"] == "Pod" else obj["spec"]["template"]["metadata"]["labels"]


def workloads(kustomization: str) -> Iterator[dict[str, Any]]:
    return (o for o in rendered(kustomization) if o["kind"] in POD_KINDS)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "only matchLabels selectors are evaluated here"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def compose() -> dict[str, Any]:
    return yaml.safe_load((INFRA / "compose.yaml").read_text())


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line.strip() and line[0] != "#")
    return {k.strip(): v.strip() for k, v in pairs}


def containerfile_stages() -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) per build stage, continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (INFRA / "Containerfile").read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((word.upper(), rest.strip()))
    return stages


def setting_for(variable: str) -> str | None:
    """The Settings field a SIGNALEMENT_* variable sets (``load_settings`` also reads NAME_FILE)."""
    name = variable.removeprefix("SIGNALEMENT_").lower()
    if name in SETTINGS_FIELDS:
        return name
    if name.endswith("_file") and name.removesuffix("_file") in SETTINGS_FIELDS:
        return name.removesuffix("_file")
    return None


# ---- YAML, kustomize and the Kubernetes schemas --------------------------------------------------

@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(INFRA)))
def test_every_yaml_file_parses(path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs, f"{path} is empty"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_rendered_object_matches_the_kubernetes_schema(kustomization: str) -> None:
    import kubernetes_validate

    for version in K8S_VERSIONS:
        version = kubernetes_validate.latest_version() if version == "latest" else version
        for obj in rendered(kustomization):
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                where = "/".join(str(p) for p in exc.path)
                pytest.fail(f"{obj['kind']}/{obj['metadata']['name']} (Kubernetes {version}): {where}: "
                            f"{exc.message}")


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_no_secret_value_is_written_in_a_manifest(kustomization: str) -> None:
    assert not objects(kustomization, "Secret"), "Secrets are created out of band and referenced by name"
    for cm in objects(kustomization, "ConfigMap").values():
        assert not {setting_for(k) for k in cm.get("data", {})} & SECRET_SETTINGS, cm["metadata"]["name"]
    for obj in workloads(kustomization):
        for c in pod_spec(obj)["containers"]:
            for e in c.get("env", []):
                assert setting_for(e["name"]) not in SECRET_SETTINGS or e["name"].endswith("_FILE"), e["name"]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_container_runs_unprivileged_on_a_read_only_root(kustomization: str) -> None:
    for obj in workloads(kustomization):
        spec, name = pod_spec(obj), obj["metadata"]["name"]
        pod_ctx = spec.get("securityContext", {})
        assert spec.get("automountServiceAccountToken") is False, name
        for c in spec["containers"]:
            ctx = {**pod_ctx, **c.get("securityContext", {})}
            assert ctx.get("runAsNonRoot") is True and ctx.get("runAsUser", 0) != 0, name
            assert ctx.get("readOnlyRootFilesystem") is True, name
            assert ctx.get("allowPrivilegeEscalation") is False, name
            assert ctx.get("capabilities", {}).get("drop") == ["ALL"], name
            assert ctx.get("seccompProfile", {}).get("type") == "RuntimeDefault", name
            assert {"requests", "limits"} <= set(c.get("resources", {})), f"{name}: requests and limits"
            assert "memory" in c["resources"]["limits"], name
            tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]  # noqa: S108 - a pod path
            assert tmp, f"{name}: /tmp must be a mounted tmpfs on a read-only root"
            volume = next(v for v in spec["volumes"] if v["name"] == tmp[0]["name"])
            assert volume.get("emptyDir", {}).get("medium") == "Memory", f"{name}: /tmp must be RAM"


@pytest.mark.parametrize("kustomization", ["overlays/production", "overlays/split-tiers"])
def test_web_pods_are_probed_scaled_and_protected(kustomization: str) -> None:
    deployments = objects(kustomization, "Deployment")
    web = {n: d for n, d in deployments.items() if n != "signalement-worker"}
    assert web and "signalement-worker" in deployments
    for name, dep in web.items():
        c = pod_spec(dep)["containers"][0]
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        pdbs = [p for p in objects(kustomization, "PodDisruptionBudget").values()
                if selects(p["spec"]["selector"], pod_labels(dep))]
        assert pdbs, f"{name} has no PodDisruptionBudget"
    public = [n for n in web if n != "signalement-staff"]
    hpas = {h["spec"]["scaleTargetRef"]["name"] for h in objects(kustomization, "HorizontalPodAutoscaler").values()}
    assert set(public) <= hpas, "the public web Deployment scales with a HorizontalPodAutoscaler"
    jobs = objects(kustomization, "Job")
    assert pod_spec(jobs["signalement-migrate"])["containers"][0]["args"] == ["signalement", "db", "upgrade"]


# ---- trust tiers ------------------------------------------------------------------------------------

def secret_names(obj: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for v in pod_spec(obj).get("volumes", []):
        if "secret" in v:
            names.add(v["secret"]["secretName"])
        for source in v.get("projected", {}).get("sources", []):
            if "secret" in source:
                names.add(source["secret"]["name"])
    return names


def env_of(obj: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in pod_spec(obj)["containers"][0].get("env", [])}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_only_the_worker_holds_the_worker_key(kustomization: str) -> None:
    for obj in workloads(kustomization):
        holds = "signalement-worker-key" in secret_names(obj)
        assert holds == (obj["metadata"]["name"] == "signalement-worker"), obj["metadata"]["name"]


def test_split_intake_holds_only_what_intake_needs() -> None:
    deployments = objects("overlays/split-tiers", "Deployment")
    intake, staff = deployments["signalement-intake"], deployments["signalement-staff"]
    assert env_of(intake)["SIGNALEMENT_TIERS"] == "reporter"
    assert env_of(staff)["SIGNALEMENT_TIERS"] == "officer,research"
    assert secret_names(intake) == {"signalement-database", "signalement-redis", "signalement-intake-keys",
                                    "signalement-twilio"}
    assert "signalement-twilio" not in secret_names(staff), "officers' texts go through the worker"
    keys_mount = next(m for m in pod_spec(intake)["containers"][0]["volumeMounts"] if m["name"] == "keys")
    assert keys_mount.get("readOnly") is True, "intake reads public keys only"


def test_split_public_ingress_reaches_only_the_intake() -> None:
    ingresses = objects("overlays/split-tiers", "Ingress")
    services = objects("overlays/split-tiers", "Service")
    deployments = objects("overlays/split-tiers", "Deployment")
    for ing in ingresses.values():
        backends = {p["backend"]["service"]["name"] for r in ing["spec"]["rules"] for p in r["http"]["paths"]}
        if ing["spec"]["ingressClassName"] == "nginx":
            assert backends == {"signalement-intake"}
        else:
            assert "signalement-intake" not in backends
    for name, svc in services.items():
        reached = {d for d, dep in deployments.items() if selects({"matchLabels": svc["spec"]["selector"]},
                                                                    pod_labels(dep))}
        assert reached == {name}, f"Service {name} selects {reached}"


def allowed_ingress_namespaces(policies: dict[str, Any], labels: dict[str, str]) -> set[str]:
    found: set[str] = set()
    for pol in policies.values():
        if selects(pol["spec"]["podSelector"], labels):
            for rule in pol["spec"].get("ingress", []):
                for peer in rule.get("from", []):
                    found.add(peer.get("namespaceSelector", {}).get("matchLabels", {})
                              .get("kubernetes.io/metadata.name", "?"))
    return found


def allowed_egress_ports(policies: dict[str, Any], labels: dict[str, str]) -> set[int]:
    return {port["port"] for pol in policies.values() if selects(pol["spec"]["podSelector"], labels)
            for rule in pol["spec"].get("egress", []) for port in rule.get("ports", [])}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_network_policies_deny_by_default_and_confine_twilio_egress_to_the_worker(kustomization: str) -> None:
    policies = objects(kustomization, "NetworkPolicy")
    if kustomization == "ceremony":  # applied beside an installation, whose namespace-wide policies hold
        policies |= objects("overlays/production", "NetworkPolicy")
    deny = [p for p in policies.values() if not p["spec"].get("ingress") and not p["spec"].get("egress")
            and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}]
    for obj in workloads(kustomization):
        name, labels = obj["metadata"]["name"], pod_labels(obj)
        assert any(selects(p["spec"]["podSelector"], labels) for p in deny), f"{name}: no default deny"
        ports = allowed_egress_ports(policies, labels)
        assert {53, 5432} <= ports, f"{name} must resolve names and reach PostgreSQL"
        if name == "signalement-worker":
            assert 443 in ports
        else:
            assert ports <= {53, 5432, 6379}, f"{name} may reach ports {ports}"
    if kustomization == "overlays/split-tiers":
        deployments = objects(kustomization, "Deployment")
        assert allowed_ingress_namespaces(policies, pod_labels(deployments["signalement-intake"])) == {
            "ingress-nginx", "monitoring"}
        assert "ingress-nginx" not in allowed_ingress_namespaces(policies, pod_labels(
            deployments["signalement-staff"]))
    for ing in objects(kustomization, "Ingress").values():
        assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/enable-access-log"] == "false"


# ---- settings: every variable exists, every workload would start in production ----------------------

def fake_secret(key: str) -> str:
    """A well-formed value for one Secret key, so the production check sees what it would in a cluster."""
    if key.endswith("_keys"):
        return "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    values = {"database_url": "postgresql+asyncpg://signalement:pw@postgresql:5432/signalement",
              "redis_url": "redis://default:pw@valkey:6379/0", "metrics_token": "m" * 32,
              "auth_token": "t" * 32, "account_sid": "AC" + "0" * 32}
    assert key in values, f"the test does not know Secret key {key!r}: add a well-formed value here"
    return values[key]


def environment_in_cluster(obj: dict[str, Any], kustomization: str, root: Path) -> dict[str, str]:
    """The container's environment, with every mounted secret file materialised under ``root``."""
    spec, container = pod_spec(obj), pod_spec(obj)["containers"][0]
    environ: dict[str, str] = {}
    configmaps = objects(kustomization, "ConfigMap")
    for source in container.get("envFrom", []):
        environ.update(configmaps[source["configMapRef"]["name"]]["data"])
    environ.update({e["name"]: e["value"] for e in container.get("env", [])})
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        sources = volume.get("projected", {}).get("sources", [])
        if "secret" in volume:
            sources = [{"secret": {"name": volume["secret"]["secretName"], "items": volume["secret"].get("items")}}]
        for source in sources:
            for item in source.get("secret", {}).get("items") or []:
                target = root / mount["mountPath"].lstrip("/") / item["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(fake_secret(item["key"]) + "\n")
    for name, value in list(environ.items()):
        if name.endswith("_FILE"):
            environ[name] = str(root / value.lstrip("/"))
            assert Path(environ[name]).exists(), f"{obj['metadata']['name']}: {value} is not mounted"
    return environ


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_workload_passes_the_production_check(kustomization: str, tmp_path: Path) -> None:
    for obj in workloads(kustomization):
        environ = environment_in_cluster(obj, kustomization, tmp_path / obj["metadata"]["name"])
        unknown = [n for n in environ if n.startswith("SIGNALEMENT_") and setting_for(n) is None]
        assert not unknown, f"{obj['metadata']['name']} sets variables Settings does not have: {unknown}"
        settings = load_settings(environ)
        check_production(settings)
        if obj["metadata"]["name"] == "signalement-intake":
            assert settings.enabled_tiers == {"reporter"}
        if "serve" in pod_spec(obj)["containers"][0].get("args", []):
            # One server process per pod: one per core of the node would outgrow the pod's memory limit.
            assert settings.web_workers == 1, obj["metadata"]["name"]


def compose_environment(service: str, secrets_dir: Path) -> dict[str, str]:
    svc = compose()["services"][service]
    environ = env_file(INFRA / "signalement.env.example")
    environ.update({k: str(v) for k, v in svc.get("environment", {}).items()})
    mounted = {s if isinstance(s, str) else s["source"] for s in svc.get("secrets", [])}
    files = compose()["secrets"]
    for name, value in list(environ.items()):
        if name.endswith("_FILE") and value.startswith("/run/secrets/"):
            secret = value.removeprefix("/run/secrets/")
            assert secret in mounted, f"{service}: {name} names secret {secret!r}, which it does not mount"
            environ[name] = str(secrets_dir / Path(files[secret]["file"]).name)
    return environ


def test_compose_services_pass_the_production_check_with_generated_secrets(tmp_path: Path) -> None:
    require_tool("openssl")
    secrets_dir = tmp_path / "secrets"
    subprocess.run([require_tool("sh"), str(INFRA / "make-secrets.sh"), str(secrets_dir)],  # noqa: S603
                   check=True, capture_output=True, timeout=60)
    for name, entry in compose()["secrets"].items():
        assert set(entry) == {"file"}, f"secret {name} must come from a file"
        assert (secrets_dir / Path(entry["file"]).name).exists(), f"make-secrets.sh does not write {name}"
    for service in ("app", "worker", "migrate"):
        environ = compose_environment(service, secrets_dir)
        check_production(load_settings(environ))
    # One server process per container, whatever the host's core count: replicas are the unit of scale.
    assert load_settings(compose_environment("app", secrets_dir)).web_workers == 1


def test_every_signalement_variable_the_files_set_is_a_setting() -> None:
    names: set[str] = set()
    for svc in compose()["services"].values():
        names |= set(svc.get("environment", {}))
    names |= set(env_file(INFRA / "signalement.env.example"))
    for instruction, args in (i for stage in containerfile_stages() for i in stage):
        if instruction == "ENV":
            names |= set(re.findall(r"(SIGNALEMENT_\w+)=", args))
    for kustomization in KUSTOMIZATIONS:
        for obj in rendered(kustomization):
            if obj["kind"] == "ConfigMap":
                names |= set(obj.get("data", {}))
            if obj["kind"] in POD_KINDS:
                names |= {e["name"] for c in pod_spec(obj)["containers"] for e in c.get("env", [])}
    names = {n for n in names if n.startswith("SIGNALEMENT_")}
    assert len(names) > 10
    assert not sorted(n for n in names if setting_for(n) is None)


# ---- container image and compose stack ----------------------------------------------------------------

COMPILERS = re.compile(r"\b(gcc|g\+\+|cc|clang|build-essential|make|rustc|cargo)\b")


def test_the_final_image_runs_as_a_user_with_a_healthcheck_and_no_compiler() -> None:
    stages = containerfile_stages()
    assert len(stages) >= 2, "a multi-stage build"
    final = stages[-1]
    builder_names = {args.split()[-1] for stage in stages[:-1] for i, args in stage[:1] if " AS " in args.upper()}
    assert final[0][1].split()[0] not in builder_names, "the final stage must not start from the builder"
    users = [args for i, args in final if i == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}, "the final stage runs as a non-root user"
    health = " ".join(args for i, args in final if i == "HEALTHCHECK")
    assert "/healthz" in health and "python" in health and not re.search(r"\b(curl|wget)\b", health)
    for instruction, args in final:
        if instruction == "RUN":
            assert not COMPILERS.search(args), f"the final stage installs or runs a compiler: {args}"
        if instruction == "COPY" and "--from" in args:
            assert not COMPILERS.search(args), args
    assert any(i == "VOLUME" and "/var/lib/signalement/keys" in a for i, a in final)


def test_the_build_context_leaves_out_everything_but_the_sources() -> None:
    lines = [line for line in (INFRA / "Containerfile.dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "*", "start from nothing: a developer's ./var holds development keys"
    copied = {args.split()[0] for stage in containerfile_stages() for i, args in stage
              if i == "COPY" and "--from" not in args}
    assert copied <= {"pyproject.toml", "README.md", "src", "locales"}
    assert {f"!{c}" for c in copied} <= {line.rstrip("/") for line in lines}


def test_compose_runs_two_app_replicas_a_worker_a_migration_and_read_only_containers_that_dump_no_core() -> None:
    services = compose()["services"]
    assert {"app", "worker", "migrate", "postgres", "valkey", "proxy"} <= set(services)
    assert services["app"]["deploy"]["replicas"] == 2
    assert services["worker"]["command"] == ["signalement", "worker"]
    assert services["migrate"]["command"] == ["signalement", "db", "upgrade"]
    for dependant in ("app", "worker"):
        assert services[dependant]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name, svc in services.items():
        assert svc.get("read_only") is True, f"{name} must run on a read-only root"
        assert svc.get("cap_drop") == ["ALL"], name
        assert svc.get("ulimits", {}).get("core") == 0, f"{name}: a crash must write no core file (its memory)"
        for key, value in svc.get("environment", {}).items():
            assert not re.search(r"PASSWORD$|TOKEN$|KEYS$|_URL$", key) or key == "SIGNALEMENT_PUBLIC_URL", \
                f"{name}: {key}={value!r} looks like an inlined secret; use a *_FILE secret"
    assert not {"egress", "public"} & set(services["app"]["networks"]), "the app has no route out"
    networks = compose()["networks"]
    assert networks["backend"]["internal"] and networks["edge"]["internal"]


# ---- the reverse proxy --------------------------------------------------------------------------------

# Variables an access log may use: when, which route, what happened. Nothing about who or what was sent.
LOG_VARIABLES = {"time_iso8601", "time_local", "msec", "request_method", "uri", "status", "body_bytes_sent",
                 "bytes_sent", "request_time", "upstream_status", "upstream_response_time", "server_protocol"}


def nginx_directives() -> list[list[str]]:
    text = re.sub(r"#[^\n]*", "", (INFRA / "nginx" / "nginx.conf").read_text())
    tokens = re.findall(r"'[^']*'|\"[^\"]*\"|[{};]|[^\s{};]+", text)
    directives, current = [], []
    for tok in tokens:
        if tok in ";{}":
            if current:
                directives.append(current)
            current = []
        else:
            current.append(tok.strip("'\""))
    return directives


def test_the_proxy_access_log_records_no_client_and_no_query() -> None:
    directives = nginx_directives()
    formats = {d[1]: " ".join(d[2:]) for d in directives if d[0] == "log_format"}
    assert formats, "an explicit log format (nginx's default 'combined' logs client addresses)"
    for name, fmt in formats.items():
        used = set(re.findall(r"\$\{?(\w+)", fmt))
        assert used <= LOG_VARIABLES, f"log_format {name} uses {sorted(used - LOG_VARIABLES)}"
    logs = [d for d in directives if d[0] == "access_log"]
    assert logs, "an access_log directive at http level, or nginx writes 'combined' to its default path"
    for d in logs:
        assert d[1] == "off" or (len(d) >= 3 and d[2] in formats), f"access_log without our format: {d}"
    error_logs = [d for d in directives if d[0] == "error_log"]
    assert error_logs and all(d[-1] in {"crit", "alert", "emerg"} for d in error_logs), \
        "error-level lines quote the client address and request line"
    headers = {(d[1].lower(), d[2]) for d in directives if d[0] == "proxy_set_header" and len(d) == 3}
    assert ("x-forwarded-for", "$remote_addr") in headers, "replace, never append to, X-Forwarded-For"
    assert ("x-forwarded-proto", "$scheme") in headers
    flat = {(d[0], d[1]) for d in directives if len(d) == 2}
    assert {("proxy_request_buffering", "off"), ("proxy_max_temp_file_size", "0")} <= flat, \
        "uploads and decrypted attachments are never spooled to the proxy's disk"


def test_nginx_accepts_the_proxy_config(tmp_path: Path) -> None:
    nginx = require_tool("nginx")
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    conf = tmp_path / "conf"
    (conf / "certs").mkdir(parents=True)
    shutil.copy(INFRA / "nginx" / "nginx.conf", conf / "nginx.conf")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    (conf / "certs" / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (conf / "certs" / "tls.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    prefix = tmp_path / "prefix"
    prefix.mkdir()
    out = subprocess.run([nginx, "-t", "-p", f"{prefix}/", "-e", "stderr", "-c", str(conf / "nginx.conf")],  # noqa: S603
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr


# ---- alerts -----------------------------------------------------------------------------------------

def test_alert_rules_pass_promtool_and_their_unit_tests() -> None:
    promtool = require_tool("promtool")
    rules = INFRA / "prometheus"
    for args in (["check", "rules", "alerts.yaml"], ["test", "rules", "alerts.test.yaml"]):
        out = subprocess.run([promtool, *args], cwd=rules, capture_output=True, text=True, timeout=60)  # noqa: S603
        assert out.returncode == 0, out.stdout + out.stderr


def test_alerts_use_the_metric_names_the_app_exports() -> None:
    from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware

    import signalement.app

    text = (INFRA / "prometheus" / "alerts.yaml").read_text()
    for metric in ("signalement_outbox_backlog", "signalement_outbox_failures_total",
                   "signalement_cases_sla_breached", "signalement_requests_total", "up{"):
        assert metric in text, metric
    # The request counter's name and its status label, as Litestar's middleware makes them for our prefix.
    assert 'prefix="signalement"' in Path(signalement.app.__file__).read_text()
    middleware = PrometheusMiddleware(app=lambda *a: None, config=PrometheusConfig(prefix="signalement"))  # type: ignore[arg-type]
    labels = {"method": "GET", "path": "/", "status_code": 200, "app_name": "signalement"}
    counter = middleware.request_count(labels)
    assert [m.name for m in counter.describe()] == ["signalement_requests"]  # exposed as ..._total
    counter.labels(method="GET", path="/", status_code="500", app_name="signalement")  # the labels alerts use
