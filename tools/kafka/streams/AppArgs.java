// What the test applications share: their --name=value arguments, the
// --prop.<config>=value pass-through to the Kafka clients, and a per-record sleep.

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

final class AppArgs {
  private AppArgs() {}

  /** The arguments as a map; anything but --name=value is refused. */
  static Map<String, String> parse(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) throw new IllegalArgumentException("expected --name=value, got " + arg);
      opts.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    return opts;
  }

  static String required(Map<String, String> opts, String name) {
    String value = opts.get(name);
    if (value == null || value.isEmpty()) throw new IllegalArgumentException("missing --" + name);
    return value;
  }

  /** Every --prop.<config>=value into `props`, after the app's own settings so they can be overridden. */
  static void putProperties(Map<String, String> opts, Properties props) {
    for (Map.Entry<String, String> opt : opts.entrySet()) {
      if (opt.getKey().startsWith("prop.")) props.put(opt.getKey().substring("prop.".length()), opt.getValue());
    }
  }

  static void pause(long ms) {
    if (ms <= 0) return;
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
