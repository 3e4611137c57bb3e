import Testing
@testable import EBPFVerifier

@Suite struct TnumTests {
    @Test func rangeCoversEnds() {
        let t = Tnum.range(4, 7)
        #expect(t.contains(value: 4) && t.contains(value: 7))
        #expect(!t.contains(value: 8))
    }
}
