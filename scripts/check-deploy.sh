#!/usr/bin/env bash
# Checks the deployment files offline, with no Docker engine and no cluster:
#   - compose.yaml against the Compose specification's schema;
#   - deploy/k8s: built-in kinds against Kubernetes' own schemas (strict: unknown fields fail),
#     KEDA's kinds against our schemas in deploy/k8s/schemas;
#   - scripts/check_deploy.py: what no schema can see (every executable built and deployed,
#     probes on the right ports, each worker's KEDA triggers on exactly the streams it reads, …).
# The tools are pinned and live in a venv of their own, made on the first run (.venv-deploy, or
# CHECK_DEPLOY_VENV), and made again when the pins change.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

venv=${CHECK_DEPLOY_VENV:-$repo/.venv-deploy}
requirements=(check-jsonschema==0.39.0 kubernetes-validate==1.37.0 PyYAML==6.0.3)
kubernetes_version=1.37.0

say() { echo "check-deploy: $*"; }

# A Python that can make a venv with pip in it. Debian splits venv's pip (ensurepip) into the
# python3-venv package, which a fresh machine may lack.
find_python() {
    local candidate
    for candidate in python3 /usr/bin/python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

make_venv() {
    local python sudo=""
    if ! python=$(find_python); then
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        say "installing python3-venv"
        $sudo apt-get update
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv
        python=$(find_python) || { echo "check-deploy: no Python with venv and ensurepip, even after installing python3-venv" >&2; exit 1; }
    fi
    say "making $venv with $python"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}"
    printf '%s\n' "${requirements[@]}" >"$venv/requirements.txt"
}

if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/requirements.txt" 2>/dev/null)" != "$(printf '%s\n' "${requirements[@]}")" ]; then
    make_venv
fi
bin="$venv/bin"

# The manifests by kind: KEDA's go to our schemas, the rest to Kubernetes'.
builtin=()
scaled_objects=()
trigger_authentications=()
while IFS= read -r file; do
    case "$(sed -n 's/^kind: *//p' "$file" | head -n 1)" in
        ScaledObject) scaled_objects+=("$file") ;;
        TriggerAuthentication) trigger_authentications+=("$file") ;;
        *) builtin+=("$file") ;;
    esac
done < <(find deploy/k8s -name '*.yaml' -not -path '*/schemas/*' -not -name kustomization.yaml | sort)

say "compose.yaml against the Compose specification"
"$bin/check-jsonschema" --builtin-schema vendor.compose-spec compose.yaml

say "our KEDA schemas against their metaschema"
"$bin/check-jsonschema" --check-metaschema deploy/k8s/schemas/*.json

say "${#builtin[@]} manifests against Kubernetes $kubernetes_version (strict)"
"$bin/kubernetes-validate" --strict --quiet --kubernetes-version "$kubernetes_version" "${builtin[@]}"

say "${#scaled_objects[@]} ScaledObjects and ${#trigger_authentications[@]} TriggerAuthentication against our KEDA schemas"
"$bin/check-jsonschema" --schemafile deploy/k8s/schemas/keda-scaledobject.schema.json "${scaled_objects[@]}"
"$bin/check-jsonschema" --schemafile deploy/k8s/schemas/keda-triggerauthentication.schema.json "${trigger_authentications[@]}"

say "cross-checks"
"$bin/python" scripts/check_deploy.py
