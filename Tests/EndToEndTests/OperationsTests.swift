import Foundation
import Testing

extension FleetProcesses {
    /// What operators see of a running fleet: Prometheus metrics on the API and on each worker,
    /// probes, and JSON logs.
    @Suite("operations", .timeLimit(.minutes(5)))
    struct OperationsTests {
        @Test("/metrics on the API's and a worker's operations ports report the requests, command round trips and messages of a purchase; the API's public port has no /metrics; JSON logs parse")
        func metricsAndLogs() async throws {
            let fleet = try await Fleet.start(environment: ["LOG_FORMAT": "json"])
            let seller = try await fleet.signUp("seller")
            let ticket = try await fleet.createTicket(seller.token)
            let buyer = try await fleet.signUp("buyer")
            let order = try await fleet.order(buyer.token, ticket: ticket)
            #expect(order.status == 201, "\(order.text)")

            #expect(try await fleet.request("GET", "/metrics").status == 404)
            let operations = fleet.operationsURL("api")
            #expect(try await fleet.request("GET", "/readyz", base: operations).status == 200)
            let api = try await fleet.request("GET", "/metrics", base: operations)
            #expect(api.status == 200)
            #expect(api.headers["content-type"]?.hasPrefix("text/plain") == true)
            #expect(api.text.contains(#"http_requests_total{route="/api/users/signup",method="POST",status="201"} 2"#), "\(api.text)")
            #expect(api.text.contains(#"http_requests_total{route="/api/tickets",method="POST",status="201"} 1"#), "\(api.text)")
            #expect(api.text.contains(#"api_command_duration_seconds_count{service="auth",outcome="replied"} 2"#), "\(api.text)")
            #expect(api.text.contains(#"http_request_duration_seconds_bucket{route="/api/orders",method="POST",status="201",le="+Inf"}"#), "\(api.text)")

            let orders = fleet.operationsURL("orders-worker")
            #expect(try await fleet.request("GET", "/healthz", base: orders).status == 200)
            #expect(try await fleet.request("GET", "/readyz", base: orders).status == 200)
            let prefix = try #require(fleet.environment["KEY_PREFIX"])
            // The group's gauges come from the worker's pending scan, about once a second; a scan
            // made while the order's command was read and not yet acknowledged saw it pending.
            let worker = try await fleet.eventually("/metrics", base: orders) {
                $0.text.contains(#"worker_group_lag_entries{service="orders",stream="\#(prefix):commands:orders"} 0"#)
                    && $0.text.contains(#"worker_group_pending_entries{service="orders",stream="\#(prefix):commands:orders"} 0"#)
            }
            #expect(worker.text.contains(#"worker_group_lag_entries{service="orders",stream="\#(prefix):commands:orders"} 0"#), "\(worker.text)")
            #expect(worker.text.contains(#"worker_group_pending_entries{service="orders",stream="\#(prefix):commands:orders"} 0"#), "\(worker.text)")
            #expect(worker.text.contains(#"worker_messages_processed_total{service="orders"}"#), "\(worker.text)")
            #expect(worker.text.contains(#"worker_batch_duration_seconds_count{service="orders"}"#), "\(worker.text)")
            #expect(worker.text.contains(#"worker_events_published_total{service="orders"} 1"#), "\(worker.text)")

            #expect(fleet.process("api") != nil)
            for name in Fleet.workers + ["api"] {
                let log = try String(contentsOfFile: try #require(fleet.process(name)).logPath, encoding: .utf8)
                let lines = log.split(separator: "\n")
                #expect(!lines.isEmpty, "\(name) logged nothing")
                for line in lines {
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(object?["message"] is String, "\(name) wrote a line that is not a JSON log: \(line)")
                }
            }
            let statuses = await fleet.stop()
            #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
        }
    }
}
