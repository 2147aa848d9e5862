import Foundation

/// Latency figures from samples in any one unit: mean and percentiles by rank.
public struct Latencies: Sendable {
    public let sorted: [Double]

    public init(_ samples: [Double]) {
        sorted = samples.sorted()
    }

    public var mean: Double { sorted.isEmpty ? .nan : sorted.reduce(0, +) / Double(sorted.count) }

    /// The sample at fraction `p` of the way through (0.5: the median).
    public func percentile(_ p: Double) -> Double {
        sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

extension Duration {
    public var microseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
    }

    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Right-aligned columns for the benchmarks' tables.
public enum Table {
    public static func cell(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// A number in `format`, or "-" when there is none.
    public static func cell(_ value: Double?, _ width: Int, _ format: String = "%.1f") -> String {
        cell(number(value, format), width)
    }

    public static func number(_ value: Double?, _ format: String) -> String {
        value.map { String(format: format, $0) } ?? "-"
    }

    /// The label column: `text` padded to `width`.
    public static func label(_ text: String, _ width: Int) -> String {
        text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
