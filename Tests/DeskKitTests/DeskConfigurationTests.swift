import DeskKit
import Testing

struct DeskConfigurationTests {
    @Test func defaultsWithoutAFile() throws {
        let configuration = try DeskConfiguration.load(root: try temporaryFolder())
        #expect(configuration == DeskConfiguration())
        #expect(configuration.maxFileBytes == 64 << 20)
        #expect(configuration.workers == 8)
    }

    @Test func readsEverySetting() throws {
        let json = try JSONValue.parse(
            #"{"limits": {"max_file_bytes": 1000, "max_items": 5}, "intake": {"reconcile_seconds": 2, "poll_seconds": 0.5, "settle_seconds": 0.1, "items_from_wait_seconds": 0}, "workers": 3, "checkpoint_items": 10, "status_interval_seconds": 0.2, "routes": {"crm/*.csv": {"template_id": "t", "done_marker": true}}, "schedule": {"lead_seconds": 60}}"#
        )
        let configuration = try DeskConfiguration(json: json)
        #expect(configuration.maxFileBytes == 1000)
        #expect(configuration.maxItems == 5)
        #expect(configuration.reconcileSeconds == 2)
        #expect(configuration.pollSeconds == 0.5)
        #expect(configuration.settleSeconds == 0.1)
        #expect(configuration.workers == 3)
        #expect(configuration.checkpointItems == 10)
        #expect(configuration.statusIntervalSeconds == 0.2)
        #expect(configuration.leadSeconds == 60)
        #expect(configuration.itemsFromWaitSeconds == 0)
        #expect(configuration.routes.routes.map(\.pattern) == ["crm/*.csv"])
        #expect(DeskConfiguration().leadSeconds == 7_200)
    }

    @Test func readsTheHostileInputLimits() throws {
        let defaults = DeskConfiguration()
        #expect(defaults.maxDepth == 64)
        #expect(defaults.maxStringBytes == 1 << 20)
        #expect(defaults.maxOutputBytes == 1 << 20)
        let configuration = try DeskConfiguration(
            json: try JSONValue.parse(#"{"limits": {"max_depth": 8, "max_string_bytes": 100, "max_output_bytes": 1000}}"#))
        #expect(configuration.maxDepth == 8)
        #expect(configuration.maxStringBytes == 100)
        #expect(configuration.maxOutputBytes == 1000)
        // The parser's own limit is a ceiling: a configuration cannot lift it, and saying so is
        // an error naming the setting, not a silent cut.
        let error = #expect(throws: DeskError.self) {
            try DeskConfiguration(json: try JSONValue.parse(#"{"limits": {"max_depth": 100000}}"#))
        }
        #expect(error?.field == "limits.max_depth")
    }

    @Test func theFirstStringOverTheLimitIsNamedByItsPath() throws {
        let document = try JSONValue.parse(#"{"items": [{"id": "a"}, {"fields": {"bio": "0123456789"}}]}"#)
        #expect(document.firstString(longerThan: 10) == nil)
        #expect(document.firstString(longerThan: 9)?.field == "items[1].fields.bio")
        #expect(document.firstString(longerThan: 9)?.bytes == 10)
        #expect(try JSONValue.parse(#"{"0123456789": 1}"#).firstString(longerThan: 9)?.field == "a member name")
        #expect(throws: DeskError.self) { try document.checkStringLengths(maxBytes: 9) }
        do {
            try document.checkStringLengths(maxBytes: 9)
        } catch {
            #expect(error.code == .invalidRequest)
            #expect(error.field == "items[1].fields.bio")
            #expect(error.message.contains("limits.max_string_bytes"))
        }
    }

    @Test(arguments: [
        (#"{"wokers": 3}"#, "wokers"),
        (#"{"workers": 0}"#, "workers"),
        (#"{"workers": "8"}"#, "workers"),
        (#"{"limits": {"max_size": 1}}"#, "limits.max_size"),
        (#"{"limits": {"max_depth": 0}}"#, "limits.max_depth"),
        (#"{"limits": {"max_string_bytes": -1}}"#, "limits.max_string_bytes"),
        (#"{"limits": {"max_output_bytes": "1MB"}}"#, "limits.max_output_bytes"),
        (#"{"intake": {"settle_seconds": -1}}"#, "intake.settle_seconds"),
        (#"{"schedule": {"lead": 60}}"#, "schedule.lead"),
        (#"{"schedule": {"lead_seconds": -1}}"#, "schedule.lead_seconds"),
        (#"{"schedule": 7200}"#, "schedule"),
    ])
    func aBadSettingIsAnErrorNamingIt(text: String, field: String) throws {
        let json = try JSONValue.parse(text)
        #expect {
            try DeskConfiguration(json: json)
        } throws: { error in
            guard let error = error as? DeskError else { return false }
            return error.code == .invalidRequest && error.field == field
        }
    }
}

struct BanditConfigurationTests {
    @Test func theBanditSectionOverridesTheDefaults() throws {
        let configuration = try DeskConfiguration(
            json: try JSONValue.parse(
                #"{"bandit": {"algorithm": "epsilon_greedy", "epsilon": 0.05, "min_impressions": 500, "lookback_days": 28, "offset_days": 1}}"#
            ))
        #expect(configuration.bandit.algorithm == .epsilonGreedy)
        #expect(configuration.bandit.epsilon == 0.05)
        #expect(configuration.bandit.minImpressions == 500)
        #expect(configuration.bandit.lookbackDays == 28)
        #expect(configuration.bandit.offsetDays == 1)
        let defaults = DeskConfiguration().bandit
        #expect(defaults.algorithm == .thompson && defaults.epsilon == 0.1 && defaults.minImpressions == 100)
        #expect(defaults.lookbackDays == 14 && defaults.offsetDays == 3)
    }

    @Test(arguments: [
        (#"{"bandit": {"algorithm": "ucb"}}"#, "bandit.algorithm"),
        (#"{"bandit": {"epsilon": -0.1}}"#, "bandit.epsilon"),
        (#"{"bandit": {"min_impresions": 5}}"#, "bandit.min_impresions"),
        (#"{"bandit": []}"#, "bandit"),
    ])
    func aBadBanditSettingNamesTheKey(text: String, field: String) throws {
        #expect {
            try DeskConfiguration(json: try JSONValue.parse(text))
        } throws: { ($0 as? DeskError)?.field == field }
    }
}
