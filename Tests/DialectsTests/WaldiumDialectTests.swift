import DeskKit
import Dialects
import Scheduling
import Testing

struct WaldiumDialectTests {
    static let context = DecodeContext(batchID: "posts-1234abcd", org: "acme", fileName: "posts.json")

    static func decode(_ text: String) throws -> BatchRequest {
        let document = try JSONValue.parse(text)
        let dialect = try #require(RequestFormat.dialect(for: document))
        #expect(dialect.name == "waldium")
        return try dialect.decode(document, context: context)
    }

    /// The seed's request, verbatim.
    static let seedRequest = """
        {"schedule": {"strategy": "distribute", "startTime": "2025-01-20T14:00:00Z", "endTime": "2025-01-20T19:00:00Z"},
         "defaults": {"category": "Technology", "tags": ["AI", "Tutorial"], "tone": "professional"},
         "posts": [{ "topic": "Introduction to Machine Learning" }, { "topic": "Understanding Neural Networks" },
                   { "topic": "Natural Language Processing Basics" }, { "topic": "Computer Vision Applications" },
                   { "topic": "AI Ethics and Best Practices" }]}
        """

    @Test func theSeedRequestBecomesFivePostsWithItsDefaults() throws {
        let request = try Self.decode(Self.seedRequest)
        #expect(request.format == "waldium")
        #expect(
            request.schedule
                == .distribute(
                    start: Timestamp(iso8601: "2025-01-20T14:00:00Z")!, end: Timestamp(iso8601: "2025-01-20T19:00:00Z")!
                ))
        #expect(request.items.map(\.id) == ["sched_1", "sched_2", "sched_3", "sched_4", "sched_5"])
        #expect(request.items.allSatisfy { $0.kind == .post && $0.rejection == nil && !$0.draft })
        #expect(request.items[0].topic == "Introduction to Machine Learning")
        #expect(request.items[4].fields["tags"] == ["AI", "Tutorial"])
        #expect(request.items[4].fields["tone"] == "professional")
    }

    @Test func theCreationResponseHasTheDocumentedShape() throws {
        let request = try Self.decode(Self.seedRequest)
        let due = request.schedule.dueTimes(count: 5, now: Timestamp(iso8601: "2025-01-20T09:00:00Z")!)
        let response = WaldiumDialect().encodeAdmission(
            BatchResult(
                batchID: "posts-1234abcd", org: "acme", status: .inProgress, request: request, outcomes: [],
                completedAt: Timestamp(iso8601: "2025-01-20T09:00:00Z")!, dueTimes: due))
        let expected = try JSONValue.parse(
            """
            {"message": "Batch created successfully",
             "batch": {"id": "posts-1234abcd", "status": "pending", "totalPosts": 5, "scheduleStrategy": "distribute",
                       "startTime": "2025-01-20T14:00:00Z", "endTime": "2025-01-20T19:00:00Z"},
             "scheduledPosts": [
               {"id": "sched_1", "topic": "Introduction to Machine Learning", "scheduledFor": "2025-01-20T14:00:00Z", "status": "pending"},
               {"id": "sched_2", "topic": "Understanding Neural Networks", "scheduledFor": "2025-01-20T15:15:00Z", "status": "pending"},
               {"id": "sched_3", "topic": "Natural Language Processing Basics", "scheduledFor": "2025-01-20T16:30:00Z", "status": "pending"},
               {"id": "sched_4", "topic": "Computer Vision Applications", "scheduledFor": "2025-01-20T17:45:00Z", "status": "pending"},
               {"id": "sched_5", "topic": "AI Ethics and Best Practices", "scheduledFor": "2025-01-20T19:00:00Z", "status": "pending"}],
             "site": {"id": "acme", "name": "acme"}}
            """)
        #expect(response == expected)
        let cancel = WaldiumDialect().encodeCancellation(
            BatchCancellation(
                batchID: "posts-1234abcd", org: "acme", cancelled: 15, published: 5, alreadyFinished: false,
                at: Timestamp(iso8601: "2025-01-20T10:00:00Z")!))
        #expect(cancel["message"] == "Batch cancelled successfully")
        #expect(cancel["cancelledPosts"] == 15)
    }

    @Test func theStatusLeadsWithTheDocumentedMembers() {
        let document: JSONValue = [
            "batch_id": "posts-1", "status": "in_progress",
            "progress": ["total": 20, "pending": 8, "generating": 2, "generated": 4, "publishing": 1, "published": 5],
            "next_publish_time": "2025-01-20T15:30:00.000Z", "created_at": "2025-01-20T09:00:00.000Z",
            "updated_at": "2025-01-20T14:25:00.000Z",
        ]
        let native = document.objectValue!
        let status = WaldiumDialect().statusDocument(native)
        #expect(
            Array(status.keys.prefix(6)) == ["id", "status", "progress", "nextPublishTime", "createdAt", "updatedAt"])
        #expect(status["status"] == "processing")
        #expect(status["nextPublishTime"] == "2025-01-20T15:30:00Z")
        #expect(status["state"] == "in_progress")
        #expect(status["batch_id"] == "posts-1")
    }

    @Test func postsOverrideDefaultsAndBadPostsAreRejectedAlone() throws {
        let request = try Self.decode(
            """
            {"schedule": {"strategy": "burst", "startTime": "2025-01-20T09:00:00Z", "postsPerHour": 10},
             "defaults": {"isDraft": true, "length": "short", "authorId": "ann"},
             "posts": [{"topic": "A", "isDraft": false, "authorId": "bob"}, {"topic": "B"}, {"topic": "  "},
                       {"topic": "D", "tags": "AI"}, 7, {"topic": "F", "unknown": 1}]}
            """)
        #expect(request.schedule == .burst(start: Timestamp(iso8601: "2025-01-20T09:00:00Z")!, perHour: 10))
        #expect(request.items[0].draft == false)
        #expect(request.items[0].fields["authorId"] == "bob")
        #expect(request.items[0].fields["length"] == "short")
        #expect(request.items[1].draft == true)
        #expect(request.items[2].rejection?.field == "posts[2].topic")
        #expect(request.items[3].rejection?.field == "posts[3].tags")
        #expect(request.items[4].rejection?.code == .invalidItem)
        #expect(request.items[5].rejection == nil)
    }

    @Test(arguments: [
        (
            #"{"schedule": {"strategy": "distribute", "startTime": "2025-01-20T09:00:00Z"}, "posts": [{"topic": "a"}]}"#,
            "INVALID_REQUEST", "schedule.endTime"
        ),
        (
            #"{"schedule": {"strategy": "immediate"}, "posts": [{"topic": "a"}]}"#, "INVALID_REQUEST",
            "schedule.strategy"
        ),
        (
            #"{"schedule": {"startTime": "2025-01-20T09:00:00Z"}, "posts": [{"topic": "a"}]}"#, "INVALID_REQUEST",
            "schedule.strategy"
        ),
        (
            #"{"schedule": {"strategy": "burst", "startTime": "2025-01-20T09:00:00"}, "posts": [{"topic": "a"}]}"#,
            "INVALID_REQUEST", "schedule.startTime"
        ),
        (
            #"{"schedule": {"strategy": "distribute", "startTime": "2025-01-20T10:00:00Z", "endTime": "2025-01-20T09:00:00Z"}, "posts": [{"topic": "a"}]}"#,
            "INVALID_REQUEST", "schedule.endTime"
        ),
        (
            #"{"schedule": {"strategy": "burst", "startTime": "2025-01-20T09:00:00Z", "postsPerHour": 1}, "posts": []}"#,
            "INVALID_REQUEST", "posts"
        ),
        (
            #"{"schedule": {"strategy": "burst", "startTime": "2025-01-20T09:00:00Z", "postsPerHour": 1}, "posts": [{"topic": "a"}], "defaults": {"tags": [1]}}"#,
            "INVALID_REQUEST", "defaults.tags"
        ),
        (#"{"schedule": [], "posts": [{"topic": "a"}]}"#, "INVALID_REQUEST", "schedule"),
    ])
    func aBadRequestNamesTheField(text: String, code: String, field: String) throws {
        #expect {
            try Self.decode(text)
        } throws: { error in
            guard let error = error as? DeskError else { return false }
            return error.code.rawValue == code && error.field == field
        }
    }

    @Test func moreThanAHundredPostsIsTooMany() throws {
        let posts = Array(repeating: #"{"topic": "t"}"#, count: 101).joined(separator: ",")
        #expect {
            try Self.decode(
                #"{"schedule": {"strategy": "burst", "startTime": "2025-01-20T09:00:00Z", "postsPerHour": 1}, "posts": [\#(posts)]}"#
            )
        } throws: { error in (error as? DeskError)?.code == .tooManyItems }
    }

    @Test func nativeDoesNotClaimWaldiumBodiesAndParsesItsOwnSchedule() throws {
        #expect(RequestFormat.detect(try JSONValue.parse(#"{"schedule": {}, "posts": []}"#)) == "waldium")
        #expect(RequestFormat.detect(try JSONValue.parse(#"{"schedule": {}, "items": []}"#)) == "native")
        let native = try NativeDialect().decode(
            try JSONValue.parse(
                #"{"template_id": "t", "schedule": {"strategy": "burst", "start": "2026-12-01T09:00:00+01:00", "per_hour": 60}, "items": [{}]}"#
            ),
            context: Self.context)
        #expect(native.schedule == .burst(start: Timestamp(iso8601: "2026-12-01T08:00:00Z")!, perHour: 60))
    }
}
