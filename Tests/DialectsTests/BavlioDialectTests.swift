import DeskKit
import Dialects
import Foundation
import Testing

/// A temporary `library/<org>` folder with `campaigns/` holding `files` (name → text).
func bavlioLibrary(_ files: [String: String]) throws -> String {
    var template = Array((NSTemporaryDirectory() + "/copydesk-library.XXXXXX").utf8CString)
    guard let folder = mkdtemp(&template) else { throw Errno(errno, "mkdtemp") }
    let library = String(cString: folder)
    try FileSystem.ensureDirectory(Path.join(library, "campaigns"))
    for (name, text) in files {
        try AtomicFile.write(Array(text.utf8), to: Path.join(Path.join(library, "campaigns"), name))
    }
    return library
}

struct BavlioDialectTests {
    static let campaignID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    static let leadIDs = (1...60).map { String(format: "00000000-0000-4000-8000-%012d", $0) }

    /// A campaign with 16 steps and 60 leads, every third one not assigned PERSONALIZATION.
    static var campaign: String {
        let steps = (1...16).map {
            #"{"index": \#($0), "channel": "email", "subject": "Step \#($0) for {{company}}", "instructions": "Write step \#($0)."}"#
        }
        let leads = leadIDs.enumerated().map { n, id in
            let assignment = n % 3 == 2 ? "CONTROL" : "PERSONALIZATION"
            return
                #"{"id": "\#(id)", "assignment": "\#(assignment)", "fields": {"first_name": "Lead \#(n)", "company": "Co \#(n)"}}"#
        }
        return """
            {"id": "\(campaignID)", "name": "Spring launch", "system_prompt": "You write short B2B emails.",
             "sender": {"name": "Dana from Acme", "custom_prompt": "Sign as Dana."},
             "defaults": {"tone": "warm", "ignored": 1},
             "steps": [\(steps.joined(separator: ","))],
             "leads": [\(leads.joined(separator: ","))]}
            """
    }

    static func context(_ library: String?, fileName: String = "\(campaignID).json") -> DecodeContext {
        DecodeContext(batchID: "generate-7f3a9c1e", org: "acme", fileName: fileName, library: library)
    }

    static func decode(_ text: String, library: String?, fileName: String = "\(campaignID).json") throws -> BatchRequest
    {
        let document = try JSONValue.parse(text)
        let dialect = try #require(RequestFormat.dialect(for: document))
        #expect(dialect.name == "bavlio")
        return try dialect.decode(document, context: context(library, fileName: fileName))
    }

    /// The seed's request body, verbatim; the campaign id comes from the file name.
    static let seedRequest = """
        {
          "step_index": 16,
          "n_leads": 50,
          "custom_prompt": "<string>"
        }
        """

    @Test func theSeedRequestDraftsStep16ForFiftyPersonalizationLeads() throws {
        let library = try bavlioLibrary(["\(Self.campaignID).json": Self.campaign])
        let request = try Self.decode(Self.seedRequest, library: library)
        #expect(request.format == "bavlio")
        let personalized = Self.leadIDs.enumerated().filter { $0.offset % 3 != 2 }.map(\.element)
        #expect(request.items.count == 40)  // 60 leads, 40 of them PERSONALIZATION: fewer than n_leads
        #expect(request.items.map(\.id) == personalized)
        let first = request.items[0]
        #expect(first.kind == .prompt && first.rejection == nil)
        #expect(first.modality == "text")
        #expect(first.customPrompt == "<string>")
        #expect(first.instructions == "Write step 16.")
        #expect(first.topic == "Step 16 for {{company}}")
        #expect(first.campaignID == Self.campaignID)
        #expect(first.idempotencyKey == "\(Self.campaignID)/\(Self.leadIDs[0])/generate-7f3a9c1e")
        #expect(first.fields["first_name"] == "Lead 0")
        #expect(first.fields["channel"] == "email")
        #expect(first.fields["subject"] == "Step 16 for {{company}}")
        #expect(first.fields["sender_name"] == "Dana from Acme")
        #expect(request.prompt.campaignSystemPrompt == "You write short B2B emails.")
        #expect(request.prompt.senderPrompt == "Sign as Dana.")
        #expect(request.prompt.campaignID == Self.campaignID)
        #expect(request.prompt.defaults == JSONObject([("tone", "warm")]))
        #expect(request.metadata?["step_index"] == 16)
        #expect(request.metadata?["campaign_id"] == .string(Self.campaignID))
    }

    @Test(arguments: [(nil as Int?, 40), (1, 1), (7, 7), (40, 40), (200, 40)])
    func nLeadsTakesTheFirstPersonalizationLeads(n: Int?, count: Int) throws {
        let library = try bavlioLibrary(["\(Self.campaignID).json": Self.campaign])
        let body = n.map { #"{"step_index": 1, "n_leads": \#($0)}"# } ?? #"{"step_index": 1}"#
        let request = try Self.decode(body, library: library)
        #expect(request.items.count == count)
        #expect(request.items.first?.id == Self.leadIDs[0])
        #expect(request.items.allSatisfy { $0.customPrompt == nil })
    }

    @Test func theDefaultIsFiftyLeads() throws {
        let leads = (0..<80).map { #"{"id": "l\#($0)", "assignment": "PERSONALIZATION"}"# }
        let library = try bavlioLibrary([
            "big.json": #"{"steps": [{"index": 1, "instructions": "x"}], "leads": [\#(leads.joined(separator: ","))]}"#
        ])
        let request = try Self.decode(#"{"campaign_id": "big", "step_index": 1}"#, library: library)
        #expect(request.items.count == 50)
        #expect(request.items[49].id == "l49")
        #expect(request.items[0].topic == "big, step 1")
    }

    @Test(arguments: [
        ("spring-launch.json", "spring-launch"), ("spring-launch.bavlio.json", "spring-launch"),
        ("3c90c3cc-0d44-4b50-8888-8dd25736052a.json", "3c90c3cc-0d44-4b50-8888-8dd25736052a"),
    ])
    func theCampaignComesFromTheFileNameWhenTheBodyHasNone(fileName: String, id: String) throws {
        let library = try bavlioLibrary(["\(id).json": Self.campaign])
        let request = try Self.decode(#"{"step_index": 2, "n_leads": 1}"#, library: library, fileName: fileName)
        #expect(request.prompt.campaignID == id)
        #expect(request.items[0].idempotencyKey == "\(id)/\(Self.leadIDs[0])/generate-7f3a9c1e")
    }

    @Test func theBodysCampaignWinsOverTheFileName() throws {
        let library = try bavlioLibrary(["spring.json": Self.campaign])
        let request = try Self.decode(
            #"{"campaign_id": "spring", "step_index": 2, "n_leads": 1, "custom_prompt": null}"#, library: library,
            fileName: "whatever.json")
        #expect(request.prompt.campaignID == "spring")
        #expect(request.items[0].customPrompt == nil)
    }

    @Test(arguments: [
        (#"{"step_index": 0}"#, DeskError.Code.invalidRequest, "step_index"),
        (#"{"step_index": 33}"#, .invalidRequest, "step_index"),
        (#"{"step_index": "3"}"#, .invalidRequest, "step_index"),
        (#"{"step_index": 2.5}"#, .invalidRequest, "step_index"),
        (#"{"step_index": null}"#, .invalidRequest, "step_index"),
        (#"{"step_index": 17}"#, .invalidRequest, "step_index"),  // not a step of the campaign
        (#"{"step_index": 1, "n_leads": 0}"#, .invalidRequest, "n_leads"),
        (#"{"step_index": 1, "n_leads": 201}"#, .invalidRequest, "n_leads"),
        (#"{"step_index": 1, "n_leads": "5"}"#, .invalidRequest, "n_leads"),
        (#"{"step_index": 1, "custom_prompt": 5}"#, .invalidRequest, "custom_prompt"),
        (
            #"{"step_index": 1, "custom_prompt": "\#(String(repeating: "é", count: 32_001))"}"#, .invalidRequest,
            "custom_prompt"
        ),
        (#"{"step_index": 1, "campaign_id": 12}"#, .invalidRequest, "campaign_id"),
        (#"{"step_index": 1, "campaign_id": "../acme/x"}"#, .invalidRequest, "campaign_id"),
        (#"{"step_index": 1, "campaign_id": "missing"}"#, .notFound, "campaign_id"),
    ])
    func aBadRequestIsRejectedWholeNamingTheField(text: String, code: DeskError.Code, field: String) throws {
        let library = try bavlioLibrary(["\(Self.campaignID).json": Self.campaign])
        #expect {
            try Self.decode(text, library: library)
        } throws: { error in
            guard let error = error as? DeskError else { return false }
            return error.code == code && error.field == field
        }
    }

    @Test func aCustomPromptOf32000CharactersIsAccepted() throws {
        let library = try bavlioLibrary(["\(Self.campaignID).json": Self.campaign])
        let prompt = String(repeating: "é", count: 32_000)
        let request = try Self.decode(
            #"{"step_index": 1, "n_leads": 1, "custom_prompt": "\#(prompt)"}"#, library: library)
        #expect(request.items[0].customPrompt == prompt)
    }

    @Test func aCampaignWithoutPersonalizationLeadsHasNothingToDraft() throws {
        let library = try bavlioLibrary([
            "quiet.json":
                #"{"steps": [{"index": 1, "instructions": "x"}], "leads": [{"id": "a", "assignment": "CONTROL"}]}"#
        ])
        #expect {
            try Self.decode(#"{"campaign_id": "quiet", "step_index": 1}"#, library: library)
        } throws: { error in
            guard let error = error as? DeskError else { return false }
            return error.code == .invalidRequest
                && error.message.contains("no PERSONALIZATION lead in campaign 'quiet'")
        }
    }

    @Test func noFileNameCampaignAndNoBodyCampaignSaysHowToGiveOne() throws {
        let library = try bavlioLibrary([:])
        #expect {
            try Self.decode(#"{"step_index": 1}"#, library: library, fileName: ".hidden.json")
        } throws: { error in
            (error as? DeskError)?.code == .invalidRequest && (error as? DeskError)?.field == "campaign_id"
        }
        #expect {
            try Self.decode(#"{"step_index": 1}"#, library: library, fileName: "generate.json")
        } throws: { error in
            (error as? DeskError)?.code == .notFound && (error as? DeskError)?.message.contains("generate") == true
        }
        #expect {
            try Self.decode(#"{"step_index": 1}"#, library: nil)
        } throws: { error in
            (error as? DeskError)?.code == .notFound
        }
    }

    @Test(arguments: [
        (#"[]"#, "campaign.the file"),
        (#"{"steps": []}"#, "campaign.steps"),
        (#"{"steps": [{"index": 1}]}"#, "campaign.steps[0].instructions"),
        (#"{"steps": [{"index": 40, "instructions": "x"}]}"#, "campaign.steps[0].index"),
        (
            #"{"steps": [{"index": 1, "instructions": "x"}, {"index": 1, "instructions": "y"}]}"#,
            "campaign.steps[1].index"
        ),
        (#"{"steps": [{"index": 1, "instructions": "x"}], "sender": "Dana"}"#, "campaign.sender"),
        (#"{"steps": [{"index": 1, "instructions": "x"}], "leads": [3]}"#, "campaign.leads[0]"),
        (#"{"steps": [{"index": 1, "instructions": "x"}], "leads_from": "../x.csv"}"#, "campaign.leads_from"),
    ])
    func aBrokenCampaignIsAnInvalidTemplate(campaign: String, field: String) throws {
        let library = try bavlioLibrary(["c.json": campaign])
        #expect {
            try Self.decode(#"{"campaign_id": "c", "step_index": 1}"#, library: library)
        } throws: { error in
            guard let error = error as? DeskError else { return false }
            return error.code == .invalidTemplate && error.field == field
                && error.message.contains("library/acme/campaigns/c.json")
        }
    }

    @Test func aLeadWithoutAnIdIsRejectedAlone() throws {
        let library = try bavlioLibrary([
            "c.json": #"""
            {"steps": [{"index": 1, "instructions": "x"}],
             "leads": [{"assignment": "PERSONALIZATION"}, {"id": "b", "assignment": "personalization", "fields": 3},
                       {"id": "c", "assignment": "PERSONALIZATION"}]}
            """#
        ])
        let request = try Self.decode(#"{"campaign_id": "c", "step_index": 1}"#, library: library)
        #expect(request.items.count == 3)
        #expect(request.items[0].rejection?.code == .invalidItem)
        #expect(request.items[0].rejection?.field == "campaign.leads[0].id")
        #expect(request.items[0].idempotencyKey == nil)
        #expect(request.items[1].rejection?.field == "campaign.leads[1].fields")
        #expect(request.items[2].rejection == nil)
    }

    @Test func leadsAreReadFromACSVBesideTheCampaign() throws {
        let csv =
            "id,assignment,first_name,company\r\n" + "l1,PERSONALIZATION,Jane,\"Acme, Inc.\"\r\n"
            + "l2,CONTROL,Bo,X\r\n"
            + "l3,PERSONALIZATION,Cy\r\n" + "l4,PERSONALIZATION,Di,Y\r\n" + "l5,PERSONALIZATION,Ed,Z\r\n"
        let library = try bavlioLibrary([
            "c.json":
                #"{"steps": [{"index": 1, "instructions": "x"}], "leads": [{"id": "l0", "assignment": "PERSONALIZATION"}], "leads_from": "c-leads.csv"}"#,
            "c-leads.csv": csv,
        ])
        let request = try Self.decode(#"{"campaign_id": "c", "step_index": 1, "n_leads": 4}"#, library: library)
        #expect(request.items.map(\.id) == ["l0", "l1", "l3", "l4"])
        #expect(request.items[1].fields["first_name"] == "Jane")
        #expect(request.items[1].fields["company"] == "Acme, Inc.")
        #expect(request.items[1].rejection == nil)
        #expect(request.items[2].rejection?.code == .invalidItem)  // a field short
        #expect(request.items[2].rejection?.message.contains("line 4") == true)
        #expect(request.items[3].rejection == nil)
    }

    @Test func aMissingLeadsCSVIsNotFound() throws {
        let library = try bavlioLibrary([
            "c.json": #"{"steps": [{"index": 1, "instructions": "x"}], "leads_from": "gone.csv"}"#
        ])
        #expect {
            try Self.decode(#"{"campaign_id": "c", "step_index": 1}"#, library: library)
        } throws: { error in
            (error as? DeskError)?.code == .notFound && (error as? DeskError)?.field == "campaign.leads_from"
        }
    }

    static func result(
        _ request: BatchRequest, outcomes: [ItemOutcome], hash: String? = "9f2c4e1a7b3d5f60"
    ) -> JSONValue {
        BavlioDialect().encodeResult(
            BatchResult(
                batchID: "generate-7f3a9c1e", org: "acme", status: .completed, request: request, outcomes: outcomes,
                completedAt: Timestamp(iso8601: "2026-11-23T10:00:00Z")!, promptVersionHash: hash))
    }

    @Test func theResultHasTheDocumentedShape() throws {
        let library = try bavlioLibrary(["\(Self.campaignID).json": Self.campaign])
        let request = try Self.decode(Self.seedRequest, library: library)
        let outcomes = request.items.map { item in
            ItemOutcome(
                index: item.index, id: item.id, state: item.index == 1 ? .rejected : .published,
                error: item.index == 1 ? DeskError(.insufficientCredits, "the org's credits are spent") : nil)
        }
        let result = Self.result(request, outcomes: outcomes)
        let o = try #require(result.objectValue)
        #expect(
            o.keys == ["campaign_id", "step_index", "batch_id", "enqueued_lead_ids", "prompt_version_hash", "total"])
        #expect(o["campaign_id"] == .string(Self.campaignID))
        #expect(o["step_index"] == 16)
        let batchID = try #require(o["batch_id"]?.stringValue)
        #expect(batchID == BavlioResultEncoder.uuid(of: "generate-7f3a9c1e"))
        let enqueued = try #require(o["enqueued_lead_ids"]?.arrayValue)
        #expect(enqueued.count == 39)
        #expect(!enqueued.contains(.string(request.items[1].id!)))
        #expect(enqueued.first == .string(Self.leadIDs[0]))
        #expect(o["prompt_version_hash"] == "9f2c4e1a7b3d5f60")
        #expect(o["total"] == 39)
    }

    @Test func thePromptVersionHashFallsBackToTheOutcomesThenEmpty() throws {
        let library = try bavlioLibrary(["\(Self.campaignID).json": Self.campaign])
        let request = try Self.decode(#"{"step_index": 3, "n_leads": 2}"#, library: library)
        let generated = ItemOutcome(
            index: 1, state: .generated,
            generation: JSONObject([("provider", "offline"), ("prompt_version_hash", "abc")]))
        #expect(
            Self.result(request, outcomes: [ItemOutcome(index: 0, state: .failed), generated], hash: nil)[
                "prompt_version_hash"] == "abc")
        #expect(Self.result(request, outcomes: [], hash: nil)["prompt_version_hash"] == "")
        // A failed generation was still enqueued; a decoder rejection never was.
        #expect(Self.result(request, outcomes: [ItemOutcome(index: 0, state: .failed)])["total"] == 2)
    }

    @Test(arguments: ["generate-7f3a9c1e", "a", "", "leads-2026-11-23-7f3a9c1e"])
    func theBatchIDIsAStableUUID(batchID: String) throws {
        let uuid = BavlioResultEncoder.uuid(of: batchID)
        #expect(uuid == BavlioResultEncoder.uuid(of: batchID))
        let parsed = try #require(UUID(uuidString: uuid))
        #expect(parsed.uuidString.lowercased() == uuid)
        let groups = uuid.split(separator: "-").map(\.count)
        #expect(groups == [8, 4, 4, 4, 12])
        #expect(Array(uuid)[14] == "8")  // version 8
        #expect("89ab".contains(Array(uuid)[19]))  // RFC 9562 variant
        #expect(uuid != BavlioResultEncoder.uuid(of: batchID + "x"))
    }

    @Test func theStatusCarriesBothBatchIDs() {
        let status = BavlioDialect().statusDocument(
            JSONObject([("batch_id", "generate-7f3a9c1e"), ("org", "acme"), ("status", "completed")]))
        #expect(status.keys == ["batch_id", "bavlio_batch_id", "org", "status"])
        #expect(status["bavlio_batch_id"] == .string(BavlioResultEncoder.uuid(of: "generate-7f3a9c1e")))
    }

    @Test func theCapIs200Leads() {
        #expect(RequestFormat.itemCap(of: "bavlio") == 200)
        #expect(BavlioRequestDecoder.maxLeads == 200)
    }
}
