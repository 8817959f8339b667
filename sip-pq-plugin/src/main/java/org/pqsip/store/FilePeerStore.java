package org.pqsip.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.pqsip.crypto.Secret;
import org.pqsip.keying.Base64Text;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.PeerRecord;
import org.pqsip.keying.PeerStore;

/**
 * A {@link PeerStore} in one file per local identity, readable only by its owner (mode 0600 in
 * a 0700 directory), rewritten atomically on every change. It also holds the local device id.
 *
 * <p>Privacy: peers are stored by device id (random) and, for downgrade detection, by the
 * SHA-256 of their address-of-record, so the file lists no SIP addresses in clear. The retained
 * secrets are in it: protect it like a private key.
 */
public final class FilePeerStore implements PeerStore {
  private static final String HEADER =
      "# pqsip peer store v1: retained secrets, keep private. device <id> <rs1> <rs2|-> <verified> <proven>";

  private final Path file;
  private final DeviceId self;
  private final Map<DeviceId, PeerRecord> devices = new LinkedHashMap<>();
  private final Set<String> pqCapable = new LinkedHashSet<>();

  private FilePeerStore(Path file, DeviceId self) {
    this.file = file;
    this.self = self;
  }

  /** Opens (or creates) the store of {@code localIdentity} under {@code dir}. */
  public static synchronized FilePeerStore open(Path dir, String localIdentity, SecureRandom random)
      throws IOException {
    Files.createDirectories(dir);
    trySetPermissions(dir, "rwx------");
    Path file = dir.resolve(sha256Hex(localIdentity).substring(0, 16) + ".peers");
    if (!Files.exists(file)) {
      FilePeerStore fresh = new FilePeerStore(file, DeviceId.random(random));
      fresh.save();
      return fresh;
    }
    return load(file);
  }

  public DeviceId self() {
    return self;
  }

  public Path file() {
    return file;
  }

  private static FilePeerStore load(Path file) throws IOException {
    FilePeerStore store = null;
    int lineNo = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
      lineNo++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(" ");
      try {
        if (f[0].equals("self") && f.length == 2) {
          store = new FilePeerStore(file, DeviceId.parse(f[1]));
        } else if (store != null && f[0].equals("device") && f.length == 6) {
          Secret rs1 = Secret.adopt(Base64Text.decodeUrl(f[2], "rs1"));
          Optional<Secret> rs2 =
              f[3].equals("-") ? Optional.empty() : Optional.of(Secret.adopt(Base64Text.decodeUrl(f[3], "rs2")));
          DeviceId d = DeviceId.parse(f[1]);
          store.devices.put(d, new PeerRecord(d, rs1, rs2, f[4].equals("1"), f[5].equals("1")));
        } else if (store != null && f[0].equals("pq") && f.length == 2) {
          store.pqCapable.add(f[1]);
        } else {
          throw new IOException(file + ":" + lineNo + ": unrecognised line");
        }
      } catch (KeyingException e) {
        throw new IOException(file + ":" + lineNo + ": " + e.getMessage(), e);
      }
    }
    if (store == null) {
      throw new IOException(file + ": no 'self' line");
    }
    return store;
  }

  @Override
  public synchronized Optional<PeerRecord> device(DeviceId device) {
    return Optional.ofNullable(devices.get(device));
  }

  @Override
  public synchronized void putDevice(PeerRecord record) {
    devices.put(record.device(), record);
    saveUnchecked();
  }

  @Override
  public synchronized boolean isPqCapable(String peerKey) {
    return pqCapable.contains(sha256Hex(peerKey));
  }

  @Override
  public synchronized void markPqCapable(String peerKey) {
    if (pqCapable.add(sha256Hex(peerKey))) {
      saveUnchecked();
    }
  }

  private void saveUnchecked() {
    try {
      save();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write peer store " + file, e);
    }
  }

  private void save() throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    lines.add("self " + self.text());
    for (PeerRecord r : devices.values()) {
      lines.add("device " + r.device().text() + " "
          + Base64Text.encodeUrl(r.rs1().exposeSecretBytes()) + " "
          + r.rs2().map(s -> Base64Text.encodeUrl(s.exposeSecretBytes())).orElse("-") + " "
          + (r.verified() ? "1" : "0") + " "
          + (r.proven() ? "1" : "0"));
    }
    for (String h : pqCapable) {
      lines.add("pq " + h);
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
      Files.createFile(tmp);
    }
    Files.write(tmp, lines, StandardCharsets.US_ASCII);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void trySetPermissions(Path p, String perms) {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    } catch (IOException | UnsupportedOperationException e) {
      // not a POSIX file system: the platform's defaults apply
    }
  }

  static String sha256Hex(String s) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(d.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is mandatory in Java 17", e);
    }
  }
}
