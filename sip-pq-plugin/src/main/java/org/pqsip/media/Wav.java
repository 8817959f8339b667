package org.pqsip.media;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** 16-bit PCM mono 8 kHz WAV files: reading a whole file, and a streaming writer. */
public final class Wav {
  private Wav() {}

  /** Reads a WAV file that is 16-bit PCM, mono, 8000 Hz; anything else is a clear error. */
  public static short[] read(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() < 12 || b.getInt(0) != 0x46464952 || b.getInt(8) != 0x45564157) {
      throw new IOException(file + " is not a RIFF/WAVE file");
    }
    int pos = 12;
    int channels = -1;
    int rate = -1;
    int bits = -1;
    int format = -1;
    while (pos + 8 <= b.limit()) {
      int id = b.getInt(pos);
      int size = b.getInt(pos + 4);
      if (id == 0x61746164 && size >= 0 && pos + 8L + size > b.limit()) {
        // Recorders that write while streaming (linphone) may leave a data size a little past
        // the end of the file: take the samples that are there.
        size = b.limit() - pos - 8;
      }
      if (size < 0 || pos + 8L + size > b.limit()) {
        throw new IOException(file + ": truncated WAV chunk");
      }
      if (id == 0x20746d66) { // "fmt "
        format = b.getShort(pos + 8) & 0xffff;
        channels = b.getShort(pos + 10);
        rate = b.getInt(pos + 12);
        bits = b.getShort(pos + 22);
      } else if (id == 0x61746164) { // "data"
        if (format != 1 || channels != 1 || rate != AudioCodec.SAMPLE_RATE || bits != 16) {
          throw new IOException(
              file + " must be 16-bit PCM mono 8000 Hz (convert with: sox in.wav -r 8000 -c 1 -b 16 out.wav)");
        }
        short[] pcm = new short[size / 2];
        b.position(pos + 8);
        b.asShortBuffer().get(pcm);
        return pcm;
      }
      pos += 8 + size + (size & 1);
    }
    throw new IOException(file + " has no data chunk");
  }

  /** Writes samples as they come; {@link #close()} patches the header sizes. */
  public static final class Writer implements AutoCloseable {
    private final RandomAccessFile file;
    private final byte[] buf = new byte[AudioCodec.FRAME_SAMPLES * 2];
    private long samples;

    public Writer(Path path) throws IOException {
      file = new RandomAccessFile(path.toFile(), "rw");
      file.setLength(0);
      file.write(header(0));
    }

    public synchronized void write(short[] pcm, int n) throws IOException {
      byte[] out = n * 2 <= buf.length ? buf : new byte[n * 2];
      for (int i = 0; i < n; i++) {
        out[2 * i] = (byte) pcm[i];
        out[2 * i + 1] = (byte) (pcm[i] >> 8);
      }
      file.write(out, 0, n * 2);
      samples += n;
    }

    @Override
    public synchronized void close() throws IOException {
      file.seek(0);
      file.write(header(samples));
      file.close();
    }
  }

  static byte[] header(long samples) {
    int dataBytes = (int) Math.min(Integer.MAX_VALUE - 36, samples * 2);
    ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(0x46464952).putInt(36 + dataBytes).putInt(0x45564157);
    h.putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) 1);
    h.putInt(AudioCodec.SAMPLE_RATE).putInt(AudioCodec.SAMPLE_RATE * 2).putShort((short) 2).putShort((short) 16);
    h.putInt(0x61746164).putInt(dataBytes);
    return h.array();
  }

  /** Writes a whole buffer as a WAV file (tests and tools). */
  public static void write(Path path, short[] pcm) throws IOException {
    try (OutputStream out = Files.newOutputStream(path)) {
      out.write(header(pcm.length));
      byte[] b = new byte[pcm.length * 2];
      for (int i = 0; i < pcm.length; i++) {
        b[2 * i] = (byte) pcm[i];
        b[2 * i + 1] = (byte) (pcm[i] >> 8);
      }
      out.write(b);
    }
  }
}
