/// A Swift value that can be sent as a bind parameter, in Postgres' binary format with an
/// explicit type, so the value is never spliced into SQL text and its length is never guessed.
public protocol PostgresBindable: Sendable {
    /// The type sent with the value.
    static var postgresDataType: PostgresDataType { get }

    /// Appends the binary wire form. Not called when ``isPostgresNull`` is true.
    func encode(into buffer: inout [UInt8])

    /// True for a value that is sent as SQL NULL (an `Optional` that is `nil`).
    var isPostgresNull: Bool { get }
}

extension PostgresBindable {
    public var isPostgresNull: Bool { false }
}

/// The bind parameters of one statement: types, and the encoded values packed in one buffer.
struct PostgresBinds: Sendable {
    private(set) var types: [UInt32] = []
    private(set) var bytes: [UInt8] = []
    /// Where each value sits in `bytes`; `length == -1` is NULL.
    private(set) var slots: [Slot] = []

    struct Slot: Sendable {
        var start: Int
        var length: Int32
    }

    var count: Int { types.count }

    mutating func append<T: PostgresBindable>(_ value: T) {
        types.append(T.postgresDataType.oid)
        guard !value.isPostgresNull else {
            slots.append(Slot(start: bytes.count, length: -1))
            return
        }
        let start = bytes.count
        value.encode(into: &bytes)
        slots.append(Slot(start: start, length: Int32(clamping: bytes.count - start)))
    }

    /// Calls `body` with the C arrays `PQexecParams`/`PQsendQueryParams` take; the pointers are
    /// valid only inside `body`.
    func withLibpqParameters<R>(
        _ body: (
            _ count: Int32,
            _ types: UnsafePointer<UInt32>?,
            _ values: UnsafePointer<UnsafePointer<CChar>?>?,
            _ lengths: UnsafePointer<Int32>?,
            _ formats: UnsafePointer<Int32>?
        ) throws -> R
    ) rethrows -> R {
        let lengths = slots.map(\.length)
        let formats = [Int32](repeating: 1, count: slots.count)
        return try bytes.withUnsafeBufferPointer { buffer in
            // An empty non-NULL value still needs a non-NULL pointer: NULL means SQL NULL to libpq.
            try withUnsafeTemporaryAllocation(of: CChar.self, capacity: 1) { emptyValue in
                let base = buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
                let values: [UnsafePointer<CChar>?] = slots.map { slot in
                    guard slot.length >= 0 else { return nil }
                    guard slot.length > 0, let base else { return UnsafePointer(emptyValue.baseAddress!) }
                    return base + slot.start
                }
                return try types.withUnsafeBufferPointer { types in
                    try values.withUnsafeBufferPointer { values in
                        try lengths.withUnsafeBufferPointer { lengths in
                            try formats.withUnsafeBufferPointer { formats in
                                try body(
                                    Int32(slots.count), types.baseAddress, values.baseAddress,
                                    lengths.baseAddress, formats.baseAddress
                                )
                            }
                        }
                    }
                }
            }
        }
    }
}
