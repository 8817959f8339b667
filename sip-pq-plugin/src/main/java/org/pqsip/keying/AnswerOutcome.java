package org.pqsip.keying;

import java.util.Optional;

/**
 * The answerer's result for one offer: the attribute values to put in the answer (empty when the
 * answer carries no pqkem) and the keying outcome.
 */
public record AnswerOutcome(Optional<KemAnswer> answer, KeyingOutcome outcome) {}
