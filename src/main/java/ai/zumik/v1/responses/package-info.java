/**
 * {@code /v1/responses}, OpenAI's Responses API. {@link ai.zumik.v1.responses.ResponsesRequest}
 * validates a request and gives the broker both its native form (OpenAI) and its chat form (every
 * other provider); {@link ai.zumik.v1.responses.ResponsesRelay} renders either kind of target's
 * events as Responses events ({@link ai.zumik.v1.responses.ResponseBuilder} builds them from chat
 * chunks); {@link ai.zumik.v1.responses.StoredResponses} keeps Response objects for GET,
 * {@code input_items} and {@code previous_response_id} chains, which Zumik expands itself so a
 * conversation can move between providers.
 */
package ai.zumik.v1.responses;
