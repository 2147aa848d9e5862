import Contracts
import Foundation
import Testing

@Suite("hex")
struct HexTests {
    @Test("bytes become two lowercase digits each, high nibble first, as String(format: \"%02x\") makes them")
    func lowercaseDigits() {
        #expect(Hex.lowercase([UInt8]()) == "")
        #expect(Hex.lowercase([0x00, 0x0F, 0xA0, 0xAB, 0xFF]) == "000fa0abff")
        let all = (0...255).map { UInt8($0) }
        #expect(Hex.lowercase(all) == all.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined())
    }
}

@Suite("UUID text")
struct UUIDTextTests {
    @Test("parse reads what UUID(uuidString:) reads, in either case, and writes it back lowercase")
    func parsesLikeFoundation() {
        for _ in 0..<2_000 {
            let id = UUID.random()
            #expect(UUID.parse(id.uuidString) == id)
            #expect(UUID.parse(id.uuidString.lowercased()) == id)
            #expect(id.lowercasedString == id.uuidString.lowercased())
        }
        let fixed = UUID(uuid: (0x00, 0x0f, 0xa0, 0xab, 0xff, 0x10, 0x9c, 0xde, 0x80, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd))
        #expect(fixed.lowercasedString == "000fa0ab-ff10-9cde-8001-23456789abcd")
        #expect(UUID.parse("000FA0AB-ff10-9CDE-8001-23456789abCD") == fixed)
    }

    @Test("anything but the 36-character form is refused: whatever UUID(uuidString:) refuses, and the leading space or sign its sscanf lets through")
    func refusesLikeFoundation() {
        let good = "000fa0ab-ff10-9cde-8001-23456789abcd"
        var refused = ["", "000fa0ab", good + "0", String(good.dropLast()), "{\(good.dropFirst().dropLast())}",
                       good.replacingOccurrences(of: "-", with: ""), good.replacingOccurrences(of: "-", with: "_"),
                       "000fa0abff10-9cde-8001-23456789abcd-", " 00fa0ab-ff10-9cde-8001-23456789abcd",
                       "+00fa0ab-ff10-9cde-8001-23456789abcd", "000fa0ag-ff10-9cde-8001-23456789abcd",
                       "000fa0ab-ff10-9cde-8001-23456789abcé"]
        // Every character of the good form, one at a time, swapped for characters that do not belong there.
        let characters = Array(good)
        for index in characters.indices {
            for replacement in ["-", "g", " ", "+", "x", "0"] where String(characters[index]) != replacement {
                var mutated = characters
                mutated[index] = Character(replacement)
                let text = String(mutated)
                if UUID(uuidString: text) == nil { refused.append(text) }
            }
        }
        #expect(refused.count > 40)
        for text in refused { #expect(UUID.parse(text) == nil, "\(text)") }
    }
}
