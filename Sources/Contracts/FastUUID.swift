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
