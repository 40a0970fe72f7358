package example;

/** The greeting the service answers with. */
final class Greeting {
    private Greeting() {
    }

    static String of(String name) {
        return "Hello, " + name + "! (Java " + Runtime.version().feature() + ")\n";
    }
}
