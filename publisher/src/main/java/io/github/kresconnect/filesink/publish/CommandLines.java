package io.github.kresconnect.filesink.publish;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Stack;
import java.util.function.Function;
import java.util.function.Predicate;

import io.github.kresconnect.filesink.publish.PublishOptions.UsageException;
import picocli.CommandLine;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.PicocliException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The publisher's command lines, read with picocli: picocli matches option names (as {@code --opt value} or
 * {@code --opt=value}) and ends the options at {@code --}; an option it does not know is refused where it stands.
 * Each option's value goes to a handler of the command, in the order given, which checks it and says in its own
 * words what is wrong.
 * Short options are never clustered, a short option takes no {@code =value}, and {@code @FILE} arguments are
 * files like any other (not argument files).
 */
final class CommandLines {

    /** Receives an option's value ({@code null} for a flag) under the name it was given by. */
    @FunctionalInterface
    interface Handler {
        void accept(String name, String value) throws UsageException;
    }

    /** Carries a handler's {@link UsageException} through picocli. */
    private static final class Failure extends PicocliException {
        private static final long serialVersionUID = 1L;
        private final transient UsageException usage;

        Failure(UsageException usage) {
            super(usage.getMessage());
            this.usage = usage;
        }
    }

    /** Ends the parsing at once: a handler found what the command does next (say, print its usage). */
    static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    private final CommandSpec spec;
    private final BitSet used = new BitSet();
    private int total;
    private List<String> current = List.of();
    private Function<List<String>, String> unmatched = arguments -> unknownOption(arguments.get(0));

    CommandLines(String name) {
        spec = CommandSpec.create().name(name);
    }

    /** Options without a value; {@code --flag=value} goes to the handler, which may refuse it. */
    CommandLines flag(Handler handler, String... names) {
        return add(handler, next -> false, names);
    }

    /** Options with a value: the next argument (whatever it looks like) or the one after '='. */
    CommandLines valued(Handler handler, String... names) {
        return add(handler, next -> true, names);
    }

    /** Options with an optional value: the one after '=', else the next argument if it is {@code optional}. */
    CommandLines optional(Handler handler, Predicate<String> optional, String... names) {
        return add(handler, optional, names);
    }

    private CommandLines add(Handler handler, Predicate<String> takesNext, String... names) {
        for (String name : names) {
            spec.addOption(OptionSpec.builder(name).arity("0").type(boolean.class)
                    .preprocessor(preprocessor(name, takesNext, handler)).build());
        }
        return this;
    }

    /**
     * The arguments that are not options, in order. An argument that looks like an option (but '-') and comes
     * before {@code --} is refused as an unknown option, where it stands; with {@code unknownOptionsToo} it goes to
     * the handler as well (the command reads only some of the options, and leaves the others where they are).
     */
    CommandLines positional(Handler handler, boolean unknownOptionsToo) {
        spec.addPositional(PositionalParamSpec.builder().index("0..*").arity("0..*").type(String.class)
                .preprocessor((args, command, arg, info) -> {
                    int position = total - args.size();
                    String value = args.pop();
                    if (!unknownOptionsToo && value.startsWith("-") && !value.equals("-")
                            && !optionsEnded(position)) {
                        throw new Failure(new UsageException(unmatched.apply(List.of(value))));
                    }
                    call(handler, null, value);
                    return true;
                }).build());
        // picocli would report unknown options only once every argument is read; numbers like -1 are no options.
        spec.parser().unmatchedOptionsArePositionalParams(true);
        return this;
    }

    /** A {@code --} that no option took for its value comes before this position. */
    private boolean optionsEnded(int position) {
        for (int i = 0; i < position; i++) {
            if (!used.get(i) && current.get(i).equals(spec.parser().endOfOptionsDelimiter())) {
                return true;
            }
        }
        return false;
    }

    /**
     * How the arguments picocli could not place (in their order, at least one) are reported; by default
     * "unknown option 'NAME'" for the first.
     */
    CommandLines unmatched(Function<List<String>, String> message) {
        unmatched = message;
        return this;
    }

    /** No {@code --} ending the options: it is an argument like any other (one nobody takes). */
    CommandLines noEndOfOptions() {
        // Command-line arguments never hold a NUL character.
        spec.parser().endOfOptionsDelimiter("\0");
        return this;
    }

    /**
     * Reads the arguments; a handler's refusal, or an argument nobody takes, ends it with a
     * {@link UsageException}; a handler's {@link Stop} is rethrown as such.
     */
    void parse(List<String> args) throws UsageException {
        CommandLine commandLine = new CommandLine(spec)
                .setPosixClusteredShortOptionsAllowed(false)
                .setExpandAtFiles(false)
                .setOverwrittenOptionsAllowed(true)
                .setAllowOptionsAsOptionParameters(true)
                .setAllowSubcommandsAsOptionParameters(true)
                .setCaseInsensitiveEnumValuesAllowed(false)
                .setAbbreviatedOptionsAllowed(false)
                .setTrimQuotes(false)
                .setSplitQuotedStrings(false);
        used.clear();
        total = args.size();
        current = List.copyOf(args);
        try {
            commandLine.parseArgs(args.toArray(String[]::new));
        } catch (PicocliException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof Failure failure) {
                    throw failure.usage;
                }
                if (cause instanceof Stop stop) {
                    throw stop;
                }
            }
            if (e instanceof UnmatchedArgumentException unmatchedArgument
                    && !unmatchedArgument.getUnmatched().isEmpty()) {
                throw new UsageException(unmatched.apply(List.copyOf(unmatchedArgument.getUnmatched())));
            }
            if (e instanceof ParameterException) {
                throw new UsageException(e.getMessage());
            }
            throw e;
        }
    }

    /** The positions of the arguments the last {@link #parse} gave to declared options: their names and values. */
    BitSet used() {
        return (BitSet) used.clone();
    }

    /** "unknown option '--name'", without a value given after '='. */
    static String unknownOption(String argument) {
        int equals = argument.indexOf('=');
        return "unknown option '" + (argument.startsWith("--") && equals > 0 ? argument.substring(0, equals)
                : argument) + "'";
    }

    /**
     * Takes the option's value itself, so that a value is any argument (even one that starts with '-' or is
     * {@code --}), and notes which arguments the option used.
     */
    private IParameterPreprocessor preprocessor(String name, Predicate<String> takesNext, Handler handler) {
        return (Stack<String> args, CommandSpec command, ArgSpec arg, Map<String, Object> info) -> {
            boolean attached = "=".equals(info.get("separator"));
            // picocli pushed a value given after '=' onto the arguments still to read.
            int position = total - (attached ? args.size() - 1 : args.size()) - 1;
            if (attached && !name.startsWith("--")) {
                // picocli split "-x=value"; a short option is never written that way here.
                throw new Failure(new UsageException(unmatched.apply(List.of(name + "=" + args.peek()))));
            }
            used.set(position);
            String value = null;
            if (attached) {
                value = args.pop();
            } else if (args.isEmpty() ? takesNext.test(null) : takesNext.test(args.peek())) {
                if (args.isEmpty()) {
                    throw new Failure(new UsageException("option '" + name + "' needs a value"));
                }
                value = args.pop();
                used.set(position + 1);
            }
            call(handler, name, value);
            return true;
        };
    }

    private static void call(Handler handler, String name, String value) {
        try {
            handler.accept(name, value);
        } catch (UsageException e) {
            throw new Failure(e);
        }
    }
}
