@testable import Admin
import Testing

@Suite("text formatting")
struct FormatTests {
    @Test("durations are precise when short and rounded down when long",
          arguments: [
              (0, "0ms"), (850, "850ms"), (4_250, "4.2s"), (60_000, "1m"), (192_000, "3m 12s"),
              (7_200_000, "2h"), (7_500_000, "2h 5m"), (273_600_000, "3d 4h"), (-22_000, "-22.0s"),
          ] as [(Int64, String)])
    func durations(milliseconds: Int64, text: String) {
        #expect(Format.duration(milliseconds: milliseconds) == text)
    }

    @Test("tables line columns up: text to the left, numbers to the right, no trailing spaces")
    func table() {
        var table = TextTable(("NAME", .left), ("COUNT", .right), ("NOTE", .left))
        table.add("a-long-name", "7")
        table.add("b", "1234", "x")
        #expect(table.text == """
            NAME         COUNT  NOTE
            a-long-name      7
            b             1234  x
            """)
    }

    @Test("an error goes on one line, cut with an ellipsis")
    func oneLine() {
        #expect(Format.oneLine("first\nsecond", limit: 20) == "first second")
        #expect(Format.oneLine("abcdefghij", limit: 5) == "abcd…")
    }
}
