import Foundation

extension UUID {
    /// A version 4 UUID from the system's random generator (`getrandom`). Foundation's `UUID()`
    /// opened /dev/urandom for every id, a twentieth of a worker's CPU.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                     UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        withUnsafeMutableBytes(of: &bytes) { buffer in
            buffer.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
            buffer.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
            buffer[6] = (buffer[6] & 0x0F) | 0x40  // version 4
            buffer[8] = (buffer[8] & 0x3F) | 0x80  // RFC 4122 variant
        }
        return UUID(uuid: bytes)
    }
}

extension UUID {
    /// A version 7 UUID: the Unix time in milliseconds in its first 48 bits, then random bits.
    /// Ids made one after another sort one after another, so the B-tree indexes they key
    /// (the inbox, the outbox, orders, tickets, payments) take each new id at their right edge,
    /// in pages already in memory, instead of at a random page: random ids cost Postgres a page
    /// read and often a full-page image in the WAL for every insert and every lookup.
    public static func timeOrdered(now: Date = Date()) -> UUID {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let random = generator.next() as UInt64
        let more = generator.next() as UInt64
        var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                     UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        withUnsafeMutableBytes(of: &bytes) { buffer in
            for index in 0..<6 { buffer[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
            buffer.storeBytes(of: random, toByteOffset: 6, as: UInt64.self)
            buffer.storeBytes(of: UInt16(truncatingIfNeeded: more), toByteOffset: 14, as: UInt16.self)
            buffer[6] = (buffer[6] & 0x0F) | 0x70  // version 7
            buffer[8] = (buffer[8] & 0x3F) | 0x80  // RFC 4122 variant
        }
        return UUID(uuid: bytes)
    }
}

extension UUID {
    /// Parses the 36-character form (`8-4-4-4-12` hex digits, either case), as
    /// `UUID(uuidString:)` does; that one goes through libc's `sscanf` for every id, which every
    /// message's envelope and most handlers pay.
    public static func parse(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { utf8 -> UUID? in
            guard utf8.count == 36 else { return nil }
            var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                         UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
            let parsed = withUnsafeMutableBytes(of: &bytes) { output -> Bool in
                var position = 0
                for index in 0..<16 {
                    if position == 8 || position == 13 || position == 18 || position == 23 {
                        guard utf8[position] == UInt8(ascii: "-") else { return false }
                        position += 1
                    }
                    guard let high = Hex.value(utf8[position]), let low = Hex.value(utf8[position + 1]) else { return false }
                    output[index] = high << 4 | low
                    position += 2
                }
                return true
            }
            return parsed ? UUID(uuid: bytes) : nil
        }
    }

    /// The lowercase 36-character form, as record ids and envelopes write it.
    public var lowercasedString: String {
        withUnsafeBytes(of: uuid) { bytes in
            var text: [UInt8] = []
            text.reserveCapacity(36)
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
                text.append(Hex.digit(byte >> 4))
                text.append(Hex.digit(byte & 0x0F))
            }
            return String(decoding: text, as: UTF8.self)
        }
    }
}
