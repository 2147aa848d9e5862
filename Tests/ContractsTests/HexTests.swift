import Contracts
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
