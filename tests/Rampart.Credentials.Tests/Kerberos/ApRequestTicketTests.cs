using System.Formats.Asn1;
using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

/// <summary>The ticket's clear part in an initiator token (RFC 4121 / RFC 4120), read to explain a keytab refusal.</summary>
public sealed class ApRequestTicketTests
{
    private const string Service = "host/b.rampart.test@RAMPART.TEST";

    [Fact]
    public void TryRead_FindsServiceTypeAndVersion()
    {
        Assert.True(ApRequestTicket.TryRead(Token(18, 3), out var ticket));
        Assert.Equal(new ApRequestTicket(Service, 18, 3), ticket);
    }

    [Fact]
    public void KeytabProblem_NamesAStaleKeyVersion_AMissingPrincipal_AndAMissingType()
    {
        var ticket = new ApRequestTicket(Service, 18, 3);

        Assert.Equal(
            "the peer's ticket for host/b.rampart.test@RAMPART.TEST is sealed with key version 3, but /k holds version 2: the keytab is out of date (export a new one and join again)",
            ticket.KeytabProblem([new KeytabEntry(Service, 2, 18), new KeytabEntry(Service, 2, 17)], "/k"));
        Assert.Equal(
            "the peer's ticket is for host/b.rampart.test@RAMPART.TEST, which has no key in /k",
            ticket.KeytabProblem([new KeytabEntry("host/a.rampart.test@RAMPART.TEST", 3, 18)], "/k"));
        Assert.Equal(
            "the peer's ticket for host/b.rampart.test@RAMPART.TEST uses encryption type 18, for which /k holds no key",
            ticket.KeytabProblem([new KeytabEntry(Service, 3, 23)], "/k"));
        Assert.Null(ticket.KeytabProblem([new KeytabEntry(Service, 3, 18)], "/k"));
    }

    [Fact]
    public void TryRead_RefusesEveryTruncationAndGarbage_WithoutThrowing()
    {
        var token = Token(18, 3);
        for (var length = 0; length < token.Length; length++)
        {
            Assert.False(ApRequestTicket.TryRead(token.AsSpan(0, length), out _), $"length {length}");
        }

        var random = new Random(11);
        for (var i = 0; i < 2000; i++)
        {
            var garbage = (byte[])token.Clone();
            garbage[random.Next(garbage.Length)] = (byte)random.Next(256);
            ApRequestTicket.TryRead(garbage, out _);
        }
    }

    /// <summary>An RFC 4121 initial context token around an AP-REQ with a ticket for <see cref="Service"/>.</summary>
    private static byte[] Token(int type, int version)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence(new Asn1Tag(TagClass.Application, 14, true)))
        using (writer.PushSequence())
        {
            Explicit(writer, 0, w => w.WriteInteger(5));
            Explicit(writer, 1, w => w.WriteInteger(14));
            Explicit(writer, 2, w => w.WriteBitString([0x20, 0, 0, 0]));
            Explicit(writer, 3, w =>
            {
                using (w.PushSequence(new Asn1Tag(TagClass.Application, 1, true)))
                using (w.PushSequence())
                {
                    Explicit(w, 0, x => x.WriteInteger(5));
                    Explicit(w, 1, x => x.WriteEncodedValue(GeneralString("RAMPART.TEST")));
                    Explicit(w, 2, x =>
                    {
                        using (x.PushSequence())
                        {
                            Explicit(x, 0, y => y.WriteInteger(3));
                            Explicit(x, 1, y =>
                            {
                                using (y.PushSequence())
                                {
                                    y.WriteEncodedValue(GeneralString("host"));
                                    y.WriteEncodedValue(GeneralString("b.rampart.test"));
                                }
                            });
                        }
                    });
                    Explicit(w, 3, x =>
                    {
                        using (x.PushSequence())
                        {
                            Explicit(x, 0, y => y.WriteInteger(type));
                            Explicit(x, 1, y => y.WriteInteger(version));
                            Explicit(x, 2, y => y.WriteOctetString(new byte[64]));
                        }
                    });
                }
            });
            Explicit(writer, 4, w =>
            {
                using (w.PushSequence())
                {
                    Explicit(w, 0, x => x.WriteInteger(18));
                    Explicit(w, 2, x => x.WriteOctetString(new byte[32]));
                }
            });
        }

        byte[] apRequest = writer.Encode();
        byte[] inner = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00, .. apRequest];
        byte[] length = inner.Length < 0x80 ? [(byte)inner.Length] : inner.Length < 0x100 ? [0x81, (byte)inner.Length] : [0x82, (byte)(inner.Length >> 8), (byte)inner.Length];
        return [0x60, .. length, .. inner];
    }

    private static byte[] GeneralString(string text) => [27, (byte)text.Length, .. System.Text.Encoding.ASCII.GetBytes(text)];

    private static void Explicit(AsnWriter writer, int number, Action<AsnWriter> content)
    {
        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, number, true)))
        {
            content(writer);
        }
    }
}
