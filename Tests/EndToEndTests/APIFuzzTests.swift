import Foundation
import Testing

extension FleetProcesses {
    /// schemathesis against the fleet as real processes: every operation of `/api/openapi.json`
    /// with generated valid and invalid input, and stateful runs that follow the document's links
    /// (a ticket created → read, edited, ordered → the order read, cancelled, paid). It passes only
    /// with no server error, no status, header or body the document does not allow, and no request
    /// that hangs. It needs schemathesis, so it runs only when asked: `API_FUZZ=1`, with
    /// `SCHEMATHESIS` naming the program (`scripts/api-fuzz.sh` installs it and sets both).
    @Suite("API fuzzing", .serialized, .timeLimit(.minutes(10)))
    struct APIFuzzTests {
        static let enabled = ProcessInfo.processInfo.environment["API_FUZZ"] == "1"

        @Test("schemathesis finds no server error and no response outside the document", .enabled(if: enabled))
        func schemathesis() async throws {
            // One user sends every request: the per-user order and payment limits are raised so
            // that the stateful runs reach payments; sign-in and sign-up keep the defaults, and
            // the 429s they give are part of the document.
            let fleet = try await Fleet.start(commandTimeout: 5000, environment: [
                "LIMIT_ORDERS_USER": "100000/900", "LIMIT_PAYMENTS_USER": "100000/3600",
            ])
            let examples = ProcessInfo.processInfo.environment["FUZZ_EXAMPLES"] ?? "50"
            func schemathesis(as user: String, phases: String, _ selection: [String]) async throws -> (Int32, String) {
                // Every generated request runs as this user, so the stateful runs reach the services.
                let (token, _) = try await fleet.signUp(user)
                return try await runProgram(ProcessInfo.processInfo.environment["SCHEMATHESIS"] ?? "schemathesis", [
                    "run", "\(fleet.baseURL)/api/openapi.json",
                    "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance",
                    "--phases", phases,
                    "--max-examples", examples,
                    "--request-timeout", "20",
                    "--header", "Authorization: Bearer \(token)",
                    "--generation-database", "none",
                    "--workers", "2",
                    "--no-color",
                ] + selection)
            }
            // Signing out revokes the token every request carries, so it runs apart, as another user
            // (no links lead from it, so without stateful runs).
            // A run that could not start (the API gone) still leaves the logs to read.
            let (status, output) = try await schemathesis(as: "fuzz", phases: "examples,coverage,fuzzing,stateful", ["--exclude-operation-id", "signOut"])
            let (signOutStatus, signOutOutput) = (try? await schemathesis(as: "fuzz-out", phases: "examples,coverage,fuzzing", ["--include-operation-id", "signOut"])) ?? (-1, "could not start")
            let logs = fleet.logs()
            let statuses = await fleet.stop()
            #expect(status == 0, "schemathesis failed (exit \(status)):\n\(output)\n\(status == 0 ? "" : logs)")
            #expect(signOutStatus == 0, "schemathesis failed on sign-out (exit \(signOutStatus)):\n\(signOutOutput)")
            // Requests that all came back 401 would pass every check without reaching a service.
            #expect(!output.contains("Authentication failed"), "the fuzzing's session stopped working")
            #expect(statuses.values.allSatisfy { $0 == 0 }, "every process stops cleanly after the fuzzing: \(statuses)")
            #expect(!logs.contains("Fatal error"), "no process crashed")
        }
    }
}
