import Testing

@testable import CacheRuntime

/// TTLs become `PX` milliseconds without trapping, whatever the `Duration` (issue 10, item 11c).
@Suite struct RedisCacheTTLTests {
    @Test func ordinaryTTLsAreExactMilliseconds() {
        #expect(RedisCache.milliseconds(.seconds(60)) == 60_000)
        #expect(RedisCache.milliseconds(.milliseconds(1500)) == 1500)
        #expect(RedisCache.milliseconds(.seconds(10 * 365 * 86_400)) == 315_360_000_000)
    }

    @Test func tooShortTTLsBecomeOneMillisecond() {
        #expect(RedisCache.milliseconds(.zero) == 1)
        #expect(RedisCache.milliseconds(.microseconds(10)) == 1)
        #expect(RedisCache.milliseconds(.milliseconds(-5)) == 1)
        #expect(RedisCache.milliseconds(.seconds(Int64.min)) == 1)
    }

    @Test(arguments: [Duration.seconds(Int64.max), .seconds(Int64.max / 1000), .seconds(Int64(RedisCache.maximumMilliseconds / 1000))])
    func absurdTTLsSaturateAtTheLargestTheScriptsHandle(ttl: Duration) {
        #expect(RedisCache.milliseconds(ttl) == RedisCache.maximumMilliseconds)
    }

    @Test func theLargestTTLIsExactInALuaNumber() {
        // The store script reads the TTL with tonumber (a double) and passes it on to PEXPIRE.
        #expect(Double(RedisCache.maximumMilliseconds) == Double(RedisCache.maximumMilliseconds).rounded())
        #expect(Int(Double(RedisCache.maximumMilliseconds)) == RedisCache.maximumMilliseconds)
        #expect(RedisCache.milliseconds(.seconds(Int64(RedisCache.maximumMilliseconds / 1000) - 1)) < RedisCache.maximumMilliseconds)
    }
}
