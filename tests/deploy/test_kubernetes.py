"""deploy/kubernetes: every resource valid against the Kubernetes schemas (kubernetes-validate, offline), and wired."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from tests.support.recipes import kubernetes_documents, pod_spec

OLDEST_SUPPORTED = "1.29"
"""The oldest Kubernetes the manifests are checked against (deploy/README.md); the newest is the package's."""
VERSIONS = (OLDEST_SUPPORTED, kubernetes_validate.utils.latest_version())
SECRET_KEYS = {"STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "GATEWAY_SECRET", "DATABASE_URL", "REDIS_URL"}

DOCUMENTS = kubernetes_documents()


def _one(kind: str, component: str | None = None) -> dict[str, Any]:
    found = [
        resource
        for _, resource in DOCUMENTS
        if resource["kind"] == kind
        and (component is None or resource["metadata"]["labels"].get("app.kubernetes.io/component") == component)
    ]
    assert len(found) == 1, f"{kind} {component}: {len(found)} found"
    return found[0]


def _container(resource: dict[str, Any]) -> dict[str, Any]:
    spec = pod_spec(resource)
    assert spec is not None and len(spec["containers"]) == 1, resource["metadata"]["name"]
    container: dict[str, Any] = spec["containers"][0]
    return container


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("path", "resource"), DOCUMENTS, ids=[f"{p.name}:{r['kind']}" for p, r in DOCUMENTS])
def test_valid_against_the_kubernetes_schema(path: Path, resource: dict[str, Any], version: str) -> None:
    kubernetes_validate.validate(resource, version, strict=True)


def test_the_schema_check_can_fail() -> None:
    broken = copy.deepcopy(_one("Deployment", "gateway"))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pth"] = "/health/ready"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, OLDEST_SUPPORTED, strict=True)


def test_every_recipe_resource_is_present() -> None:
    kinds = sorted((resource["apiVersion"], resource["kind"]) for _, resource in DOCUMENTS)
    assert kinds == [
        ("apps/v1", "Deployment"),
        ("apps/v1", "Deployment"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("batch/v1", "Job"),
        ("policy/v1", "PodDisruptionBudget"),
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("v1", "Service"),
    ]
    assert set(_one("Secret")["stringData"]) == SECRET_KEYS


def test_gateway_probes_ready_and_live_on_its_port() -> None:
    container = _container(_one("Deployment", "gateway"))
    assert container["args"][0] == "serve"
    port = container["args"][container["args"].index("--port") + 1]
    assert container["ports"] == [{"name": "http", "containerPort": int(port)}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}


def test_worker_and_migrate_run_their_commands() -> None:
    assert _container(_one("Deployment", "worker"))["args"][0] == "worker"
    job = _one("Job", "migrate")
    assert _container(job)["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_service_hpa_and_pdb_select_the_gateway_pods() -> None:
    gateway = _one("Deployment", "gateway")
    labels = gateway["spec"]["template"]["metadata"]["labels"]
    assert gateway["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = _one("Service")
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert _one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = _one("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert target == {"apiVersion": "apps/v1", "kind": "Deployment", "name": gateway["metadata"]["name"]}
    worker_labels = _one("Deployment", "worker")["spec"]["template"]["metadata"]["labels"]
    assert not service["spec"]["selector"].items() <= worker_labels.items(), "the Service must not reach workers"


def test_every_pod_runs_the_one_image_as_non_root_with_the_config_and_secret() -> None:
    names = {(resource["kind"], resource["metadata"]["name"]) for _, resource in DOCUMENTS}
    images = set()
    for _, resource in DOCUMENTS:
        spec = pod_spec(resource)
        if spec is None:
            continue
        container = _container(resource)
        images.add(container["image"])
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        refs = {("ConfigMap", ref["configMapRef"]["name"]) for ref in container["envFrom"] if "configMapRef" in ref}
        refs |= {("Secret", ref["secretRef"]["name"]) for ref in container["envFrom"] if "secretRef" in ref}
        assert {kind for kind, _ in refs} == {"ConfigMap", "Secret"} and refs <= names, refs
    assert len(images) == 1 and not next(iter(images)).endswith(":latest"), images
