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

#if canImport(Glibc)
import Glibc
#endif

/// What /proc says of a process on this host.
public enum ProcessStats {
    /// The process's parent and its user + system CPU seconds, from /proc/<pid>/stat.
    /// With `reapedChildren`, the CPU of the children it has waited for is counted too (cutime and
    /// cstime): a server's exited workers, whose own entries are gone.
    public static func cpu(_ pid: pid_t, reapedChildren: Bool = false) -> (parent: pid_t, seconds: Double)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // After the name: state, ppid, … utime is the 12th field, stime the 13th, then the
        // waited-for children's cutime and cstime.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let parent = pid_t(fields[1]), let user = Double(fields[11]), let system = Double(fields[12]),
              let childUser = Double(fields[13]), let childSystem = Double(fields[14])
        else { return nil }
        return (parent, (user + system + (reapedChildren ? childUser + childSystem : 0)) / clockTicks)
    }

    /// A memory figure of /proc/<pid>/status in MB: `VmRSS` now, `VmHWM` the peak so far.
    public static func megabytes(_ pid: pid_t, _ field: String = "VmRSS") -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("\(field):") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return nil }
        return kilobytes / 1024
    }

    private static let clockTicks = Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// `--name N` flags taking positive whole numbers, the only kind the benchmarks take.
public enum WholeNumberFlags {
    /// Each flag given, by name; throws for a missing or bad value or a flag not in `known`.
    public static func parse(_ arguments: [String], known: [String], usage: String) throws -> [String: Int] {
        var values: [String: Int] = [:]
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard known.contains(flag) else { throw BenchmarkError("unknown flag \(flag); use \(usage)") }
            guard let value = rest.popFirst(), let number = Int(value), number > 0 else {
                throw BenchmarkError("\(flag) needs a positive whole number")
            }
            values[flag] = number
        }
        return values
    }
}

/// A benchmark that cannot run as asked; the message says why.
public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
