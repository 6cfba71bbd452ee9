import DeskKit
import Scheduling
import Testing

func at(_ text: String) -> Timestamp { Timestamp(iso8601: text)! }

func minutes(_ times: [Timestamp]) -> [String] {
    times.map { String($0.iso8601.dropFirst(11).prefix(5)) }
}

struct ScheduleTests {
    let early = at("2025-01-20T08:00:00Z")

    @Test func theTenPostExampleGivesTheDocumentedTimes() throws {
        let schedule = try Schedule(
            json: ["strategy": "distribute", "startTime": "2025-01-20T09:00:00Z", "endTime": "2025-01-20T14:00:00Z"],
            keys: .waldium)
        let times = schedule.dueTimes(count: 10, now: early)
        #expect(
            minutes(times) == [
                "09:00", "09:33", "10:06", "10:40", "11:13", "11:46", "12:20", "12:53", "13:26", "14:00",
            ])
        #expect(times[1].iso8601 == "2025-01-20T09:33:20.000Z")
        #expect(times.last == at("2025-01-20T14:00:00Z"))
    }

    /// Found while fuzzing the native decoder with its due times: a tiny rate overflowed Int64.
    @Test(arguments: [1e-300, 1e-9, 1])
    func aBurstThatWouldRunPast2262EndsThereInsteadOfOverflowing(perHour: Double) {
        let start = at("2262-04-11T23:00:00Z")
        let times = Schedule.burst(start: start, perHour: perHour).dueTimes(count: 3, now: early)
        #expect(times.count == 3)
        #expect(times[0] == start)
        #expect(times[2] >= times[1] && times[1] >= times[0])
        #expect(times[2].nanoseconds == Int64.max, "past 2262 for every rate here, 1 per hour too")
    }

    @Test func burstAtTenPerHourIsSixMinutesApart() throws {
        let schedule = try Schedule(
            json: ["strategy": "burst", "startTime": "2025-01-20T09:00:00Z", "postsPerHour": 10], keys: .waldium)
        let times = schedule.dueTimes(count: 20, now: early)
        #expect(times.first == at("2025-01-20T09:00:00Z"))
        for (a, b) in zip(times, times.dropFirst()) { #expect(b.nanoseconds - a.nanoseconds == 360_000_000_000) }
        #expect(times.last == at("2025-01-20T10:54:00Z"))
    }

    @Test func aStartInThePastMeansNowWithAWarning() throws {
        let now = at("2025-01-20T10:00:00Z")
        let burst = Schedule.burst(start: at("2025-01-20T09:00:00Z"), perHour: 60)
        #expect(burst.dueTimes(count: 2, now: now) == [now, at("2025-01-20T10:01:00Z")])
        #expect(burst.warnings(now: now).first?.contains("in the past") == true)
        let window = Schedule.distribute(start: at("2025-01-20T09:00:00Z"), end: at("2025-01-20T11:00:00Z"))
        #expect(window.dueTimes(count: 3, now: now) == [now, at("2025-01-20T10:30:00Z"), at("2025-01-20T11:00:00Z")])
        let over = Schedule.distribute(start: at("2025-01-20T07:00:00Z"), end: at("2025-01-20T08:00:00Z"))
        #expect(over.dueTimes(count: 3, now: now) == [now, now, now])
        #expect(over.warnings(now: now).first?.contains("every item is due now") == true)
        #expect(Schedule.immediate.warnings(now: now).isEmpty)
    }

    @Test func aMillionItemsOverAYearDoNotOverflow() {
        let schedule = Schedule.distribute(start: at("2026-01-01T00:00:00Z"), end: at("2027-01-01T00:00:00Z"))
        let times = schedule.dueTimes(count: 1_000_000, now: early)
        #expect(times.first == at("2026-01-01T00:00:00Z"))
        #expect(times.last == at("2027-01-01T00:00:00Z"))
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test(arguments: [
        (#"{"strategy": "later"}"#, "schedule.strategy"),
        (#"{"strategy": "distribute", "start": "2025-01-20T09:00:00Z"}"#, "schedule.end"),
        (
            #"{"strategy": "distribute", "start": "2025-01-20T09:00:00", "end": "2025-01-20T10:00:00Z"}"#,
            "schedule.start"
        ),
        (
            #"{"strategy": "distribute", "start": "2025-01-20T10:00:00Z", "end": "2025-01-20T09:00:00Z"}"#,
            "schedule.end"
        ),
        (#"{"strategy": "burst", "start": "2025-01-20T10:00:00Z"}"#, "schedule.per_hour"),
        (#"{"strategy": "burst", "start": "2025-01-20T10:00:00Z", "per_hour": 0}"#, "schedule.per_hour"),
        (#"{"strategy": 3}"#, "schedule.strategy"),
        (#"[]"#, "schedule"),
    ])
    func invalidSchedulesNameTheField(text: String, field: String) throws {
        let json = try JSONValue.parse(text)
        #expect {
            try Schedule(json: json)
        } throws: { error in
            guard let error = error as? DeskError else { return false }
            return error.code == .invalidRequest && error.field == field
        }
    }
}

extension ScheduleTests {
    /// A time that does not exist rejects the request, naming the member and saying what is
    /// wrong and what is expected.
    @Test(arguments: [
        (
            #"{"strategy": "distribute", "start": "2025-02-31T09:00:00Z", "end": "2025-03-05T09:00:00Z"}"#,
            "schedule.start", "February 2025 has 28 days"
        ),
        (
            #"{"strategy": "distribute", "start": "2025-01-20T09:00:00Z", "end": "2025-01-20T24:00:00Z"}"#,
            "schedule.end", "hour 24 does not exist"
        ),
        (
            #"{"strategy": "burst", "start": "2025-01-20T09:00:00+25:99", "per_hour": 2}"#,
            "schedule.start", "offset +25:99 does not exist"
        ),
        (#"{"strategy": "burst", "start": 20250120, "per_hour": 2}"#, "schedule.start", "not number"),
    ])
    func anImpossibleTimeNamesItsFieldAndSaysWhy(text: String, field: String, reason: String) throws {
        let json = try JSONValue.parse(text)
        #expect {
            try Schedule(json: json)
        } throws: { error in
            guard let error = error as? DeskError else { return false }
            return error.code == .invalidRequest && error.field == field && error.message.contains(reason)
                && error.message.contains("ISO 8601") && error.message.contains("2026-12-01T09:00:00Z")
        }
    }

    @Test func theWaldiumSpellingNamesItsOwnMember() throws {
        let json = try JSONValue.parse(
            #"{"strategy": "distribute", "startTime": "2025-01-20T09:00:00Z", "endTime": "2025-02-30T09:00:00Z"}"#)
        #expect {
            try Schedule(json: json, keys: .waldium)
        } throws: { error in
            (error as? DeskError)?.field == "schedule.endTime"
                && (error as? DeskError)?.message.contains("February 2025 has 28 days") == true
        }
    }
}

struct TimerQueueTests {
    @Test func itemsComeOutInDueOrderThenInsertionOrder() {
        var queue = TimerQueue<String>()
        queue.schedule("c", at: Timestamp(nanoseconds: 30))
        queue.schedule("a", at: Timestamp(nanoseconds: 10))
        queue.schedule("b1", at: Timestamp(nanoseconds: 20))
        queue.schedule("b2", at: Timestamp(nanoseconds: 20))
        #expect(queue.nextDue == Timestamp(nanoseconds: 10))
        #expect(queue.takeDue(now: Timestamp(nanoseconds: 5)).isEmpty)
        #expect(queue.takeDue(now: Timestamp(nanoseconds: 20)).map(\.key) == ["a", "b1", "b2"])
        #expect(queue.count == 1)
        queue.remove { $0 == "c" }
        #expect(queue.isEmpty)
    }

    @Test func aHeapSortsLikeSorted() {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<5_000).map { _ in Int.random(in: 0..<1_000, using: &generator) }
        var heap = Heap(values.prefix(2_500))
        for value in values.dropFirst(2_500) { heap.insert(value) }
        var out: [Int] = []
        while let value = heap.popMin() { out.append(value) }
        #expect(out == values.sorted())
    }
}
