import Hummingbird
import Observability

/// `/healthz`: the process is up. `/readyz`: its servers answer, so it can take traffic.
struct HealthController {
    let readiness: any ReadinessProbe

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/healthz") { _, _ in
            JSONResponse.make(status: .ok, body: ["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            if await readiness.isReady() {
                return JSONResponse.make(status: .ok, body: ["status": "ready"])
            }
            return JSONResponse.make(status: .serviceUnavailable, body: APIError.unavailable.body)
        }
    }
}
