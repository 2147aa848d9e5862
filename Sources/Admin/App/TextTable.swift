import Contracts
import Foundation

/// Rows under a header, each column as wide as its widest cell: text to the left, numbers to
/// the right.
struct TextTable {
    enum Alignment {
        case left, right
    }

    private let columns: [(title: String, alignment: Alignment)]
    private var rows: [[String]] = []

    init(_ columns: (String, Alignment)...) {
        self.columns = columns.map { (title: $0.0, alignment: $0.1) }
    }

    var isEmpty: Bool { rows.isEmpty }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    var text: String {
        let all = [columns.map(\.title)] + rows
        let widths = columns.indices.map { index in all.map { index < $0.count ? $0[index].count : 0 }.max() ?? 0 }
        return all.map { cells in
            let padded = columns.indices.map { index -> String in
                let cell = index < cells.count ? cells[index] : ""
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return columns[index].alignment == .left ? cell + padding : padding + cell
            }
            return padded.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

/// How reports write times and durations.
enum Format {
    /// `850ms`, `4.2s`, `3m 12s`, `2h`, `3d 4h`: precise when short, rounded down when long.
    static func duration(milliseconds: Int64) -> String {
        let ms = abs(milliseconds)
        let sign = milliseconds < 0 ? "-" : ""
        let seconds = ms / 1000, minutes = seconds / 60, hours = minutes / 60, days = hours / 24
        func two(_ large: Int64, _ largeUnit: String, _ small: Int64, _ smallUnit: String) -> String {
            sign + "\(large)\(largeUnit)" + (small == 0 ? "" : " \(small)\(smallUnit)")
        }
        switch ms {
        case ..<1000: return "\(sign)\(ms)ms"
        case ..<60_000: return "\(sign)\(seconds).\(ms % 1000 / 100)s"
        case ..<3_600_000: return two(minutes, "m", seconds % 60, "s")
        case ..<86_400_000: return two(hours, "h", minutes % 60, "m")
        default: return two(days, "d", hours % 24, "h")
        }
    }

    /// A time given in milliseconds since 1970, the way the fleet writes times.
    static func time(milliseconds: Int64) -> String {
        Timestamp.format(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// Indented `name  value` lines, the values lined up.
    static func pairs(_ pairs: [(String, String)]) -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { name, value in
            "  " + name + String(repeating: " ", count: width - name.count) + "  " + value
        }.joined(separator: "\n")
    }

    /// `text` on one line, cut to `limit` characters with an ellipsis.
    static func oneLine(_ text: String, limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
