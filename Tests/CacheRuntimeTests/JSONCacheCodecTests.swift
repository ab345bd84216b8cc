import CacheRuntime
import Foundation
import Testing

/// The default codec returns exactly what was stored.
@Suite struct JSONCacheCodecTests {
    private struct Stamped: Codable, Equatable {
        var at: Date
        var name: String
    }

    @Test(arguments: [
        Date(timeIntervalSinceReferenceDate: 786_000_000.123_456_7),
        Date(timeIntervalSinceReferenceDate: -1.000_000_1),
        Date(timeIntervalSince1970: 0),
        Date.distantFuture,
    ])
    func datesRoundTripExactly(_ date: Date) throws {
        let codec = JSONCacheCodec()
        let value = Stamped(at: date, name: "n")
        let decoded = try codec.decode(Stamped.self, from: try codec.encode(value))
        #expect(decoded == value)
        #expect(decoded.at.timeIntervalSinceReferenceDate.bitPattern == date.timeIntervalSinceReferenceDate.bitPattern)
    }

    @Test func nowRoundTripsExactly() throws {
        let codec = JSONCacheCodec()
        for _ in 0..<1000 {
            let now = Date()
            #expect(try codec.decode(Date.self, from: try codec.encode(now)) == now)
        }
    }
}
