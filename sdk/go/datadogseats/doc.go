// Manage which Datadog users hold a seat of a product (incident_response, on_call, ...) as code, through Datadog's Seats API.
package datadogseats
