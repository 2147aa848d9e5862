import Contracts
import Foundation
import Testing
import WorkerRuntime

@Suite("malformed events")
struct MalformedEventTests {
    @Test("an event that is not JSON of its type fails naming its type and envelope id; a good one decodes")
    func decoding() throws {
        let bad = Envelope(type: OrderCancelled.type, data: #"{"id":"x"}"#)
        #expect {
            try MalformedEvent.decode(OrderCancelled.self, bad)
        } throws: { error in
            "\(error)".hasPrefix("\(OrderCancelled.type) \(bad.id.lowercasedString) is not valid: ")
        }
        let id = UUID.random().lowercasedString
        let good = Envelope(type: OrderCancelled.type, data: #"{"id":"\#(id)","version":1,"ticket":{"id":"\#(id)"}}"#)
        #expect(try MalformedEvent.decode(OrderCancelled.self, good).id == id)
    }

    @Test("an id that is no UUID fails, named and cut to 64 characters; a UUID in either case parses")
    func ids() throws {
        let text = String(repeating: "z", count: 100)
        #expect {
            try MalformedEvent.id(text, "order id")
        } throws: { error in
            "\(error)" == "order id is not a UUID: \(String(repeating: "z", count: 64))"
        }
        let id = UUID.random()
        #expect(try MalformedEvent.id(id.lowercasedString.uppercased(), "order id") == id)
    }
}
