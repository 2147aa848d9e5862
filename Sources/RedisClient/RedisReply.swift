/// One reply from Redis, as a Swift value.
///
/// `.error` appears only nested inside another reply (for example in an `EXEC` result): a
/// top-level error reply is thrown as a ``RedisError``, or reported as a failure in
/// ``RedisCommandSender/pipeline(_:)``.
public enum RedisReply: Sendable, Hashable {
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case null
    case array([RedisReply])
}

extension RedisReply {
    /// The text of a bulk or status reply (bulk bytes decoded as UTF-8, invalid bytes
    /// replaced), or the decimal text of an integer; nil for anything else.
    public var string: String? {
        switch self {
        case .bulk(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text): return text
        case .integer(let value): return String(value)
        default: return nil
        }
    }

    /// The bytes of a bulk reply; nil for anything else.
    public var bytes: [UInt8]? {
        if case .bulk(let bytes) = self { return bytes }
        return nil
    }

    /// An integer reply, or a bulk/status reply holding a decimal integer.
    public var int: Int? {
        switch self {
        case .integer(let value): return Int(exactly: value)
        case .bulk, .status: return string.flatMap { Int($0) }
        default: return nil
        }
    }

    /// A bulk or status reply holding a number (`inf` included).
    public var double: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .bulk, .status: return string.flatMap { Double($0) }
        default: return nil
        }
    }

    /// The elements of an array reply; nil for anything else.
    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool { self == .null }

    // Throwing forms for typed commands: a reply of the wrong shape is `.unexpectedReply`.

    public func asString() throws -> String {
        guard let value = string else { throw RedisError.unexpected(self, expected: "a string") }
        return value
    }

    public func asInt() throws -> Int {
        guard let value = int else { throw RedisError.unexpected(self, expected: "an integer") }
        return value
    }

    public func asDouble() throws -> Double {
        guard let value = double else { throw RedisError.unexpected(self, expected: "a number") }
        return value
    }

    public func asArray() throws -> [RedisReply] {
        guard let value = array else { throw RedisError.unexpected(self, expected: "an array") }
        return value
    }

    /// Nil for a null reply, otherwise the array's elements.
    public func asOptionalArray() throws -> [RedisReply]? {
        if isNull { return nil }
        return try asArray()
    }

    /// Nil for a null reply, otherwise the string.
    public func asOptionalString() throws -> String? {
        if isNull { return nil }
        return try asString()
    }

    /// A short form for error messages: type and a clipped value, never a 1 MB dump.
    var shortDescription: String {
        switch self {
        case .status(let text): return "status \"\(text.prefix(60))\""
        case .error(let text): return "error \"\(text.prefix(60))\""
        case .integer(let value): return "integer \(value)"
        case .bulk(let bytes): return "bulk \"\(String(decoding: bytes.prefix(60), as: UTF8.self))\"\(bytes.count > 60 ? "…" : "")"
        case .null: return "null"
        case .array(let elements): return "array of \(elements.count)"
        }
    }
}
