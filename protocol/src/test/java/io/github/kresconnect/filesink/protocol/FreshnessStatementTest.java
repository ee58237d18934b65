package io.github.kresconnect.filesink.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.kresconnect.filesink.protocol.SignedFile.RecipientKind;

class FreshnessStatementTest {
    private static final FreshnessStatement STATEMENT = new FreshnessStatement(12, 1000, 5000, List.of(
            new FreshnessStatement.Entry(RecipientKind.ZONE_ID, "dc-east", "block.rpz", 30),
            new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "résolver1", "zones/a.rpz", 20)));

    @Test
    void theCanonicalFormIsSortedLengthPrefixedAndReadBack() {
        String text = new String(STATEMENT.canonicalForm(), StandardCharsets.UTF_8);
        assertEquals("""
                resolver-freshness-statement-v1
                fleet=
                sequence=12
                issued=1000
                expires=5000
                entries=2
                entry=hostname 10:résolver1 11:zones/a.rpz 20
                entry=zone-id 7:dc-east 9:block.rpz 30
                """, text);
        assertEquals(STATEMENT, FreshnessStatement.parse(STATEMENT.canonicalForm()));
    }

    @Test
    void versionsUpToTheLargestASignedFileCarriesAreReadBack() {
        FreshnessStatement far = new FreshnessStatement(Long.MAX_VALUE, 1000, 5000, List.of(
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "b.rpz", Long.MAX_VALUE),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "c.rpz", 1L << 62)));
        assertEquals(far, FreshnessStatement.parse(far.canonicalForm()));
        String text = new String(far.canonicalForm(), StandardCharsets.UTF_8);
        String tooLarge = text.replace("sequence=" + Long.MAX_VALUE, "sequence=9223372036854775808");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FreshnessStatement.parse(tooLarge.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("larger than " + Long.MAX_VALUE), e.getMessage());
    }

    @Test
    void aSignatureVerifiesOnlyOverTheSameStatementAndKey() {
        KeyPair key = Signatures.generateKeyPair();
        String signature = Signatures.sign(key.getPrivate(), STATEMENT.canonicalForm());
        assertTrue(STATEMENT.verifies(key.getPublic(), signature));
        FreshnessStatement later = new FreshnessStatement(12, 1000, 9000, STATEMENT.entries());
        assertFalse(later.verifies(key.getPublic(), signature));
        assertFalse(STATEMENT.verifies(Signatures.generateKeyPair().getPublic(), signature));
        assertFalse(STATEMENT.verifies(key.getPublic(), "not base64!"));
    }

    @Test
    void theFleetIsSignedAndReadBack() {
        FreshnessStatement prod = new FreshnessStatement(12, 1000, 5000, STATEMENT.entries(), "prod");
        assertEquals(prod, FreshnessStatement.parse(prod.canonicalForm()));
        assertTrue(new String(prod.canonicalForm(), StandardCharsets.UTF_8).startsWith(
                "resolver-freshness-statement-v1\nfleet=prod\nsequence=12\n"));
        KeyPair key = Signatures.generateKeyPair();
        String signature = Signatures.sign(key.getPrivate(), prod.canonicalForm());
        assertTrue(prod.verifies(key.getPublic(), signature));
        assertFalse(new FreshnessStatement(12, 1000, 5000, STATEMENT.entries(), "staging")
                .verifies(key.getPublic(), signature), "a statement for staging is not the one signed for prod");
        assertFalse(STATEMENT.verifies(key.getPublic(), signature), "nor one for no fleet");
        assertThrows(IllegalArgumentException.class,
                () -> new FreshnessStatement(1, 1, 2, List.of(), "two words"));
    }

    @Test
    void onlyTheCanonicalFormIsRead() {
        String text = new String(STATEMENT.canonicalForm(), StandardCharsets.UTF_8);
        for (String bad : List.of(text.replace("sequence=12", "sequence=012"), // a second encoding
                text.replace("entry=hostname 10:", "entry=hostname 9:"), // a length that lies
                text + "entry=hostname 1:x 1:y 1\n", // more entries than counted
                text.replace("entries=2", "entries=3"), // fewer
                text.replace("zone-id", "group"), // an unknown kind
                text.replace("resolver-freshness-statement-v1", "resolver-file-signature-v1"))) {
            assertThrows(IllegalArgumentException.class,
                    () -> FreshnessStatement.parse(bad.getBytes(StandardCharsets.UTF_8)), bad);
        }
        String swapped = text.replace("entry=hostname 10:résolver1 11:zones/a.rpz 20\n", "")
                .replace("entry=zone-id 7:dc-east 9:block.rpz 30\n",
                        "entry=zone-id 7:dc-east 9:block.rpz 30\nentry=hostname 10:résolver1 11:zones/a.rpz 20\n");
        assertThrows(IllegalArgumentException.class,
                () -> FreshnessStatement.parse(swapped.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aFileStatedTwiceForOneRecipientIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FreshnessStatement(1, 1, 2, List.of(
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a", 1),
                new FreshnessStatement.Entry(RecipientKind.HOSTNAME, "r1", "a", 2))));
        assertArrayEquals(new FreshnessStatement(1, 1, 2, List.of()).canonicalForm(),
                "resolver-freshness-statement-v1\nfleet=\nsequence=1\nissued=1\nexpires=2\nentries=0\n"
                        .getBytes(StandardCharsets.UTF_8));
    }
}
