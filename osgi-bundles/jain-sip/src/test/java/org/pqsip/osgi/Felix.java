package org.pqsip.osgi;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;

/** A real Felix 7 framework for a test, in its own storage directory; stopped on close. */
final class Felix implements AutoCloseable {
  private final Framework framework;

  Felix(Path storage) throws BundleException {
    Map<String, String> config = new HashMap<>();
    config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
    config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
    framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(config);
    framework.start();
  }

  /** Installs and starts the bundle at {@code location} (a jar, or a directory with META-INF/MANIFEST.MF). */
  Bundle start(Path location) throws BundleException {
    Bundle b = framework.getBundleContext().installBundle("reference:" + location.toUri());
    b.start();
    return b;
  }

  /** The packages {@code b} exports, with their versions. */
  static Map<String, String> exports(Bundle b) {
    Map<String, String> out = new HashMap<>();
    for (BundleCapability c : b.adapt(BundleWiring.class).getCapabilities(BundleRevision.PACKAGE_NAMESPACE)) {
      out.put((String) c.getAttributes().get(BundleRevision.PACKAGE_NAMESPACE), String.valueOf(c.getAttributes().get("version")));
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    framework.stop();
    framework.waitForStop(10_000);
  }
}
