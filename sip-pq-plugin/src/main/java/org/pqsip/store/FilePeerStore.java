package org.pqsip.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.pqsip.crypto.Hkdf;
import org.pqsip.crypto.Secret;
import org.pqsip.keying.Base64Text;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.PeerRecord;
import org.pqsip.keying.PeerStore;

/**
 * A {@link PeerStore} in one file per local identity, readable only by its owner (mode 0600 in
 * a 0700 directory). Every change takes an exclusive lock, re-reads the file (so two processes
 * sharing a state directory lose no update), writes a temporary file, forces it to disk and
 * renames it over the old one, on a writer thread of its own (see {@link #update}): call
 * {@link #flush()} or {@link #close()} before the process ends. It also holds the local device id.
 *
 * <p>Privacy: peers are stored by device id (random); addresses-of-record only as an HMAC under a
 * random key of this store, so the file lists no SIP addresses and its entries cannot be matched
 * against a dictionary of addresses without that key. The identity a user verified a device as
 * is kept with that device's record (it is what the phone shows). The retained secrets are in
 * the file: protect it like a private key. Bounded: at most {@link #MAX_DEVICES} records (the
 * least recently used unverified ones go first) and {@link #MAX_DEVICES_PER_PEER} per address.
 */
public final class FilePeerStore implements PeerStore, AutoCloseable {
  public static final int MAX_DEVICES = 2000;
  public static final int MAX_DEVICES_PER_PEER = 16;
  private static final String HEADER =
      "# pqsip peer store v2: retained secrets, keep private. "
          + "device <id> <rs1> <rs2|-> <verified> <proven> <identity|-> <last-used> <older,…|->; aor <hmac> <ids>";

  private final Path file;
  private final LongSupplier clock;
  private final int maxDevices;
  private DeviceId self;
  private byte[] aorKey;
  private final Map<DeviceId, PeerRecord> devices = new LinkedHashMap<>();
  private final Map<DeviceId, Long> lastUsed = new LinkedHashMap<>();
  private final Map<String, LinkedHashSet<DeviceId>> links = new LinkedHashMap<>();

  private FilePeerStore(Path file, LongSupplier clock, int maxDevices) {
    this.file = file;
    this.clock = clock;
    this.maxDevices = maxDevices;
  }

  /** Opens (or creates) the store of {@code localIdentity} under {@code dir}. */
  public static FilePeerStore open(Path dir, String localIdentity, SecureRandom random) throws IOException {
    return open(dir, localIdentity, random, () -> System.currentTimeMillis() / 1000);
  }

  /** As {@link #open(Path, String, SecureRandom)} with a clock (epoch seconds) for last-use times. */
  public static FilePeerStore open(Path dir, String localIdentity, SecureRandom random, LongSupplier clock)
      throws IOException {
    return open(dir, localIdentity, random, clock, MAX_DEVICES);
  }

  static FilePeerStore open(Path dir, String localIdentity, SecureRandom random, LongSupplier clock, int maxDevices)
      throws IOException {
    Files.createDirectories(dir);
    trySetPermissions(dir, "rwx------");
    Path file = dir.resolve(sha256Hex(localIdentity).substring(0, 16) + ".peers");
    FilePeerStore store = new FilePeerStore(file, clock, maxDevices);
    synchronized (store) {
      try (Locked lock = store.lock()) {
        if (Files.exists(file)) {
          store.load();
        }
        if (store.self == null || store.aorKey == null) {
          if (store.self == null) {
            store.self = DeviceId.random(random);
          }
          store.aorKey = new byte[32];
          random.nextBytes(store.aorKey);
          store.save();
        }
      }
    }
    // Changes are written by a daemon thread: whatever is pending when the JVM exits is written
    // by this hook (the phone also closes the store when it stops).
    Runtime.getRuntime().addShutdownHook(new Thread(store::flushQuietly, "pqsip-peer-store-exit"));
    return store;
  }

  public DeviceId self() {
    return self;
  }

  public Path file() {
    return file;
  }

  /**
   * File locks belong to the whole JVM: a second lock on the same file from this JVM throws
   * OverlappingFileLockException instead of waiting. So stores of one JVM on the same file first
   * take this in-process lock (one per lock file), then the file lock that orders processes.
   */
  private static final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.locks.ReentrantLock>
      IN_PROCESS = new java.util.concurrent.ConcurrentHashMap<>();

  /** An exclusive lock on the store's lock file (between processes and threads), released by close. */
  private record Locked(FileChannel channel, java.util.concurrent.locks.ReentrantLock inProcess)
      implements java.io.Closeable {
    @Override
    public void close() throws IOException {
      try {
        channel.close(); // releases the file lock
      } finally {
        inProcess.unlock();
      }
    }
  }

  private Locked lock() throws IOException {
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock").toAbsolutePath().normalize();
    java.util.concurrent.locks.ReentrantLock inProcess =
        IN_PROCESS.computeIfAbsent(lockFile, k -> new java.util.concurrent.locks.ReentrantLock());
    inProcess.lock();
    FileChannel ch = null;
    try {
      ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      ch.lock();
      return new Locked(ch, inProcess);
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      inProcess.unlock();
      throw e;
    }
  }

  private void load() throws IOException {
    load(Files.readAllLines(file, StandardCharsets.US_ASCII));
  }

  private void load(List<String> fileLines) throws IOException {
    devices.clear();
    lastUsed.clear();
    links.clear();
    int lineNo = 0;
    for (String line : fileLines) {
      lineNo++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(" ");
      try {
        if (f[0].equals("self") && f.length == 2) {
          self = DeviceId.parse(f[1]);
        } else if (f[0].equals("key") && f.length == 2) {
          aorKey = Base64Text.decodeUrl(f[1], "store key");
          if (aorKey.length != 32) {
            throw new IOException(file + ":" + lineNo + ": store key must be 32 bytes");
          }
        } else if (f[0].equals("device") && (f.length == 6 || f.length == 8 || f.length == 9)) {
          DeviceId d = DeviceId.parse(f[1]);
          Secret rs1 = Secret.adopt(Base64Text.decodeUrl(f[2], "rs1"));
          Optional<Secret> rs2 =
              f[3].equals("-") ? Optional.empty() : Optional.of(Secret.adopt(Base64Text.decodeUrl(f[3], "rs2")));
          Optional<String> identity =
              f.length >= 8 && !f[6].equals("-")
                  ? Optional.of(new String(Base64Text.decodeUrl(f[6], "identity"), StandardCharsets.UTF_8))
                  : Optional.empty();
          List<Secret> older = new ArrayList<>();
          if (f.length == 9 && !f[8].equals("-")) {
            for (String o : f[8].split(",")) {
              older.add(Secret.adopt(Base64Text.decodeUrl(o, "older retained secret")));
            }
          }
          devices.put(d, new PeerRecord(d, rs1, rs2, older, flag(f[4]), flag(f[5]), identity));
          lastUsed.put(d, f.length >= 8 ? Long.parseLong(f[7]) : 0L);
        } else if (f[0].equals("aor") && f.length == 3) {
          LinkedHashSet<DeviceId> set = new LinkedHashSet<>();
          for (String id : f[2].split(",")) {
            set.add(DeviceId.parse(id));
          }
          links.put(f[1], set);
        } else if (f[0].equals("pq") && f.length == 2) {
          // v1 kept unsalted SHA-256 of addresses: dropped (cannot be re-keyed without the address)
        } else {
          throw new IOException(file + ":" + lineNo + ": unrecognised line");
        }
      } catch (KeyingException | IllegalArgumentException e) {
        throw new IOException(file + ":" + lineNo + ": " + e.getMessage(), e);
      }
    }
    if (self == null) {
      throw new IOException(file + ": no 'self' line");
    }
  }

  private static boolean flag(String s) throws IOException {
    if (!s.equals("0") && !s.equals("1")) {
      throw new IOException("flag must be 0 or 1");
    }
    return s.equals("1");
  }

  /**
   * Applies {@code change} to the state in memory at once (so the caller and every later read see
   * it) and has the writer thread write it. The writer takes the file lock, re-reads the file
   * (another process may have changed it), applies the pending changes again (each is
   * idempotent), forces the file to disk and renames it: all of that off the caller's thread, so
   * no call set-up waits for a disk.
   */
  private void update(Runnable change) {
    synchronized (this) {
      change.run();
      bound();
      pending.add(change);
    }
    try {
      writer.execute(this::writePending);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      writePending(); // closed: write on the caller's thread
    }
  }

  private final List<Runnable> pending = new ArrayList<>();
  private final java.util.concurrent.ExecutorService writer =
      java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pqsip-peer-store");
        t.setDaemon(true);
        return t;
      });
  private volatile IOException lastWriteError;

  private void writePending() {
    List<Runnable> batch;
    synchronized (this) {
      if (pending.isEmpty()) {
        return;
      }
      batch = List.copyOf(pending);
    }
    try (Locked lock = lock()) {
      List<String> onDisk = Files.readAllLines(file, StandardCharsets.US_ASCII);
      List<String> text;
      synchronized (this) {
        load(onDisk);
        pending.forEach(Runnable::run); // the batch and anything newer, again: all idempotent
        bound();
        pending.removeAll(batch);
        text = render();
      }
      write(text);
      lastWriteError = null;
    } catch (IOException e) {
      lastWriteError = e;
    }
  }

  /** Waits until every change so far is on disk; throws if the last write failed. */
  public void flush() {
    try {
      writer.submit(this::writePending).get();
    } catch (java.util.concurrent.RejectedExecutionException e) {
      writePending();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
    IOException e = lastWriteError;
    if (e != null) {
      throw new UncheckedIOException("cannot write peer store " + file, e);
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      System.err.println("pqsip: " + e.getMessage());
    }
  }

  /** Writes what is pending and stops the writer thread. */
  @Override
  public void close() {
    try {
      flush();
    } finally {
      writer.shutdown();
    }
  }

  private void bound() {
    if (devices.size() > maxDevices) {
      List<DeviceId> oldest = new ArrayList<>(devices.keySet());
      oldest.removeIf(d -> devices.get(d).verified());
      oldest.sort(Comparator.comparingLong(d -> lastUsed.getOrDefault(d, 0L)));
      for (int i = 0; i < oldest.size() && devices.size() > maxDevices; i++) {
        dropDevice(oldest.get(i));
      }
    }
  }

  private void dropDevice(DeviceId d) {
    devices.remove(d);
    lastUsed.remove(d);
    links.values().forEach(s -> s.remove(d));
    links.values().removeIf(Set::isEmpty);
  }

  @Override
  public synchronized Optional<PeerRecord> device(DeviceId device) {
    return Optional.ofNullable(devices.get(device));
  }

  @Override
  public void putDevice(PeerRecord record) {
    update(() -> {
      devices.put(record.device(), record);
      lastUsed.put(record.device(), clock.getAsLong());
    });
  }

  @Override
  public synchronized Set<DeviceId> devicesOf(String peerKey) {
    return Set.copyOf(links.getOrDefault(aorKey(peerKey), new LinkedHashSet<>()));
  }

  @Override
  public void linkDevice(String peerKey, DeviceId device) {
    String k = aorKey(peerKey);
    update(() -> {
      LinkedHashSet<DeviceId> set = links.computeIfAbsent(k, x -> new LinkedHashSet<>());
      set.remove(device);
      set.add(device); // most recent last
      while (set.size() > MAX_DEVICES_PER_PEER) {
        set.remove(set.iterator().next());
      }
    });
  }

  @Override
  public synchronized List<PeerRecord> devices() {
    return List.copyOf(devices.values());
  }

  @Override
  public boolean forget(DeviceId device) {
    boolean had;
    synchronized (this) {
      had = devices.containsKey(device);
    }
    update(() -> dropDevice(device));
    return had;
  }

  private String aorKey(String peerKey) {
    try (Secret k = Secret.adopt(aorKey.clone())) {
      return Base64Text.encodeUrl(Hkdf.hmac(k, 16, peerKey.getBytes(StandardCharsets.UTF_8)));
    }
  }

  private void save() throws IOException {
    write(render());
  }

  private List<String> render() {
    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    lines.add("self " + self.text());
    lines.add("key " + Base64Text.encodeUrl(aorKey));
    for (PeerRecord r : devices.values()) {
      lines.add("device " + r.device().text() + " "
          + Base64Text.encodeUrl(r.rs1().exposeSecretBytes()) + " "
          + r.rs2().map(s -> Base64Text.encodeUrl(s.exposeSecretBytes())).orElse("-") + " "
          + (r.verified() ? "1" : "0") + " "
          + (r.proven() ? "1" : "0") + " "
          + r.identity().map(i -> Base64Text.encodeUrl(i.getBytes(StandardCharsets.UTF_8))).orElse("-") + " "
          + lastUsed.getOrDefault(r.device(), 0L) + " "
          + (r.older().isEmpty() ? "-" : String.join(",", r.older().stream()
              .map(o -> Base64Text.encodeUrl(o.exposeSecretBytes())).toList())));
    }
    for (Map.Entry<String, LinkedHashSet<DeviceId>> e : links.entrySet()) {
      if (!e.getValue().isEmpty()) {
        lines.add("aor " + e.getKey() + " " + String.join(",", e.getValue().stream().map(DeviceId::text).toList()));
      }
    }
    return lines;
  }

  private void write(List<String> lines) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      ByteBuffer b = ByteBuffer.wrap((String.join("\n", lines) + "\n").getBytes(StandardCharsets.US_ASCII));
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true); // the data is on disk before the rename makes it the store
    }
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true); // and so is the rename
    } catch (IOException | UnsupportedOperationException e) {
      // not every platform can sync a directory
    }
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is mandatory in Java 17", e);
    }
  }

  private static void trySetPermissions(Path p, String perms) {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    } catch (IOException | UnsupportedOperationException e) {
      // not a POSIX file system: the platform's defaults apply
    }
  }
}
