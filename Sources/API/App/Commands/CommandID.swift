import Crypto
import Foundation

/// Command ids. Without an `Idempotency-Key` each request gets a fresh one; with a key, the id
/// is derived from (user, method and path, key), so a retried request names the same command:
/// the service's inbox sees a duplicate and the client gets the first outcome, with no second
/// effect. Anonymous requests (sign-up, sign-in) also mix in the command itself, so someone who
/// guesses another client's key cannot collect that client's outcome and session.
enum CommandID {

    static func derive(key: String, user: String?, method: String, path: String, command: String) throws -> UUID {
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw APIError(.badRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters", field: "Idempotency-Key")
        }
        var material = "ticketing-command-v1\u{0}\(user ?? CommandRecord.anonymous)\u{0}\(method) \(path)\u{0}\(key)"
        if user == nil { material += "\u{0}\(command)" }
        var bytes = Array(SHA256.hash(data: Data(material.utf8)).prefix(16))
        // RFC 9562 version 8 (custom) with the RFC variant, so it is a well-formed UUID.
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

