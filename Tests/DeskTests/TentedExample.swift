import Foundation

/// The request of the tented document, as it stands.
enum TentedExample {
    static let request = #"""
        {
          "template_id": "tpl_01JABC123XYZ",
          "client_job_descriptor": "Acme onboarding batch",
          "default_tent_name_prefix": "Acme onboarding",
          "start_index": 1,
          "auto_publish": true,
          "metadata": {"source": "crm-import", "batch_label": "acme-q2-onboarding"},
          "items": [
            {"client_item_id": "acme-row-001", "tent_name": "Acme Onboarding Page 1", "custom_page_alias": "acme-onboarding-jane",
             "input_data": {"first_name": "Jane", "company_name": "Acme", "event_time": "9 PM", "cta_text": "Book your onboarding kickoff"},
             "instructions": "Make the tone more executive and emphasize customer onboarding.", "include_brand": true},
            {"client_item_id": "acme-row-002", "custom_page_alias": "acme-onboarding-michael",
             "input_data": {"first_name": "Michael", "company_name": "Acme", "event_time": "10 AM", "cta_text": "Schedule your implementation review"},
             "instructions": "Keep it concise and more operations-focused.", "include_brand": true},
            {"client_item_id": "acme-row-003", "custom_page_alias": "acme-onboarding-sarah",
             "input_data": {"first_name": "Sarah", "company_name": "Acme", "event_time": "2 PM", "cta_text": "Confirm your onboarding session"},
             "instructions": "Make it warmer and more personal, but keep the same structure.", "include_brand": true}
          ]
        }
        """#
}
