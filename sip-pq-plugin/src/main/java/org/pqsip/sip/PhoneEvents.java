package org.pqsip.sip;

import java.util.Map;

/**
 * What the user agent tells its user: {@code incoming}, {@code established}, {@code media},
 * {@code rekeyed}, {@code ended}, {@code error}. Fields never carry addresses, user names,
 * Call-IDs or key material; {@code call} is a local counter.
 */
public interface PhoneEvents {
  void event(String type, Map<String, Object> fields);
}
