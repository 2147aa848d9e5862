/// A member of a sorted set with its score.
public struct SortedSetMember: Sendable, Hashable {
    public var member: String
    public var score: Double

    public init(_ member: String, score: Double) {
        self.member = member
        self.score = score
    }
}

/// One end of a score range: inclusive by default, `(x` exclusive, or infinite.
public struct ScoreBound: Sendable, Hashable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    let argument: String

    public static func inclusive(_ score: Double) -> ScoreBound { ScoreBound(argument: Self.text(score)) }
    public static func exclusive(_ score: Double) -> ScoreBound { ScoreBound(argument: "(" + Self.text(score)) }
    public static let negativeInfinity = ScoreBound(argument: "-inf")
    public static let positiveInfinity = ScoreBound(argument: "+inf")

    public init(floatLiteral value: Double) { self = .inclusive(value) }
    public init(integerLiteral value: Int) { self = .inclusive(Double(value)) }
    private init(argument: String) { self.argument = argument }

    private static func text(_ score: Double) -> String {
        String(decoding: score.redisBytes, as: UTF8.self)
    }
}

/// Which members `ZADD` may touch: `NX` only new ones, `XX` only existing ones.
public enum ZAddCondition: Sendable, Hashable {
    case onlyNew
    case onlyExisting
}

/// When `ZADD` may change an existing score: `GT` only upwards, `LT` only downwards.
public enum ZAddComparison: Sendable, Hashable {
    case greaterThan
    case lessThan
}
