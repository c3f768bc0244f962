using System.Formats.Asn1;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// The clear part of the ticket in an initiator's first token (RFC 4121 framing around a Kerberos AP-REQ, RFC 4120
/// section 5.3): the service principal, and the encryption type and key version of the key it is sealed with. GSS-API
/// hides why an acceptor refused a token behind "GenericFailure"; comparing this with the keytab tells the administrator
/// when the keytab is the reason.
/// </summary>
public sealed record ApRequestTicket(string Service, int EncryptionType, uint? KeyVersion)
{
    private static readonly byte[] KerberosOid = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02, 0x02];

    /// <summary>Reads the ticket; false for a token that is not a Kerberos AP-REQ (hostile or damaged input included).</summary>
    public static bool TryRead(ReadOnlySpan<byte> token, out ApRequestTicket? ticket)
    {
        ticket = null;
        try
        {
            if (token.Length < 2 || token[0] != 0x60 || !TrySkipLength(token, 1, out var offset)
                || !token[offset..].StartsWith(KerberosOid) || token.Length < offset + KerberosOid.Length + 2)
            {
                return false;
            }

            offset += KerberosOid.Length;
            if (token[offset] != 0x01 || token[offset + 1] != 0x00)
            {
                return false;
            }

            var apRequest = new AsnReader(token[(offset + 2)..].ToArray(), AsnEncodingRules.DER)
                .ReadSequence(new Asn1Tag(TagClass.Application, 14)).ReadSequence();
            apRequest.ReadEncodedValue(); // [0] pvno
            apRequest.ReadEncodedValue(); // [1] msg-type
            apRequest.ReadEncodedValue(); // [2] ap-options
            var ticketFields = apRequest.ReadSequence(Context(3)).ReadSequence(new Asn1Tag(TagClass.Application, 1)).ReadSequence();
            ticketFields.ReadEncodedValue(); // [0] tkt-vno
            var realm = GeneralString(ticketFields.ReadSequence(Context(1)));
            var name = ticketFields.ReadSequence(Context(2)).ReadSequence();
            name.ReadEncodedValue(); // [0] name-type
            var parts = new List<string>();
            var strings = name.ReadSequence(Context(1)).ReadSequence();
            while (strings.HasData)
            {
                parts.Add(GeneralString(strings));
            }

            var encrypted = ticketFields.ReadSequence(Context(3)).ReadSequence();
            var type = (int)encrypted.ReadSequence(Context(0)).ReadInteger();
            uint? version = null;
            if (encrypted.PeekTag().HasSameClassAndValue(Context(1)))
            {
                var value = encrypted.ReadSequence(Context(1)).ReadInteger();
                version = value >= 0 && value <= uint.MaxValue ? (uint)value : null;
            }

            ticket = new ApRequestTicket(string.Join('/', parts) + "@" + realm, type, version);
            return true;
        }
        catch (Exception e) when (e is AsnContentException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>Why the keytab cannot open this ticket, or null when it holds the right key (the reason lies elsewhere).</summary>
    public string? KeytabProblem(IReadOnlyList<KeytabEntry> keytab, string keytabPath)
    {
        ArgumentNullException.ThrowIfNull(keytab);
        var keys = keytab.Where(entry => entry.Principal == Service).ToList();
        if (keys.Count == 0)
        {
            return $"the peer's ticket is for {KerberosNames.Printable(Service)}, which has no key in {keytabPath}";
        }

        if (KeyVersion is { } version && !keys.Any(key => key.KeyVersion == version))
        {
            var held = string.Join(", ", keys.Select(key => key.KeyVersion).Distinct().Order());
            return $"the peer's ticket for {Service} is sealed with key version {version}, but {keytabPath} holds version {held}: "
                + "the keytab is out of date (export a new one and join again)";
        }

        return keys.Any(key => key.EncryptionType == EncryptionType && (KeyVersion is null || key.KeyVersion == KeyVersion))
            ? null
            : $"the peer's ticket for {Service} uses encryption type {EncryptionType}, for which {keytabPath} holds no key";
    }

    private static Asn1Tag Context(int number) => new(TagClass.ContextSpecific, number, isConstructed: true);


    // KerberosString is a GeneralString restricted to IA5 (RFC 4120 section 5.2.1), which AsnReader does not decode itself.
    private static string GeneralString(AsnReader reader)
    {
        if (!reader.PeekTag().HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.GeneralString)))
        {
            throw new AsnContentException("expected a KerberosString");
        }

        var encoded = reader.ReadEncodedValue().Span;
        AsnDecoder.ReadEncodedValue(encoded, AsnEncodingRules.DER, out var start, out var length, out _);
        return System.Text.Encoding.ASCII.GetString(encoded.Slice(start, length));
    }

    private static bool TrySkipLength(ReadOnlySpan<byte> data, int at, out int end)
    {
        end = 0;
        if (at >= data.Length)
        {
            return false;
        }

        int first = data[at];
        if (first < 0x80)
        {
            end = at + 1;
            return true;
        }

        var count = first & 0x7F;
        if (count is 0 or > 3 || at + 1 + count > data.Length)
        {
            return false;
        }

        end = at + 1 + count;
        return true;
    }
}
