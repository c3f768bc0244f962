using System.Buffers.Binary;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// The messages of one ISAKMP SA: headers with its cookies, encryption and decryption under its cipher (RFC 2409
/// appendix B: CBC with an IV chain the caller keeps per exchange), and sending from and to its endpoints.
/// </summary>
internal sealed partial class Phase1Sa
{
    public IsakmpHeader Header(ExchangeType exchange, uint messageId, IsakmpFlags flags = IsakmpFlags.None) =>
        new(CookieI, CookieR, PayloadType.None, exchange, flags, messageId, 0);

    /// <summary>Both cookies, as the SPI of an ISAKMP delete or notification.</summary>
    public byte[] CookieBytes()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, CookieI);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), CookieR);
        return bytes;
    }

    /// <summary>Sends a message of an exchange and returns it, to remember for retransmission.</summary>
    public byte[] Send(byte[] message, List<IkeAction> actions)
    {
        Resend(message, actions);
        return message;
    }

    /// <summary>Set once the peer announced the FRAGMENTATION vendor ID (and we do fragmentation): large messages go in fragments.</summary>
    public MessageFragmenter? Fragmenter { get; set; }

    /// <summary>
    /// Sends a bare ISAKMP message (the transport adds the non-ESP marker once it leaves from port 4500), in fragments
    /// when the peer takes them and it is too large.
    /// </summary>
    public void Resend(byte[] message, List<IkeAction> actions)
    {
        if (Fragmenter is { } fragmenter)
        {
            fragmenter.Send(message, Local, Remote, actions);
        }
        else
        {
            actions.Add(new SendDatagram(Local, Remote, message));
        }
    }

    /// <summary>Serialises and encrypts payloads with the CBC chain in <paramref name="iv"/>, which moves to the last ciphertext block.</summary>
    public byte[] Encrypt(IsakmpHeader header, List<IsakmpPayload> payloads, ref byte[] iv)
    {
        var cipher = Cipher!;
        var chainLength = PayloadChain.Length(payloads);
        var padded = cipher.PaddedLength(chainLength);
        var plaintext = new byte[padded];
        PayloadChain.Write(payloads, plaintext);
        var message = new byte[IsakmpHeader.Size + padded];
        (header with
        {
            NextPayload = payloads[0].Type,
            Flags = header.Flags | IsakmpFlags.Encryption,
            Length = (uint)message.Length,
        }).Write(message);
        cipher.Encrypt(plaintext, iv, message.AsSpan(IsakmpHeader.Size));
        iv = message[^cipher.BlockSize..];
        return message;
    }

    /// <summary>Fills the leading HASH payload with <paramref name="hash"/> of the payloads after it, then encrypts.</summary>
    public byte[] Protect(IsakmpHeader header, List<IsakmpPayload> payloads, Func<byte[], byte[]> hash, ref byte[] iv)
    {
        var rest = payloads.Skip(1).ToList();
        var restBytes = new byte[PayloadChain.Length(rest)];
        PayloadChain.Write(rest, restBytes);
        payloads[0] = new HashPayload(hash(restBytes));
        return Encrypt(header, payloads, ref iv);
    }

    /// <summary>
    /// Decrypts and parses an encrypted message; false when it is not encrypted, not whole blocks, or does not parse.
    /// <paramref name="plaintext"/> holds the payload chain (without padding) for hash checks; <paramref name="nextIv"/>
    /// is the last ciphertext block, to adopt only if the message is accepted.
    /// </summary>
    public bool TryDecrypt(in IsakmpHeader header, ReadOnlySpan<byte> message, byte[] iv, out List<IsakmpPayload> payloads, out byte[] plaintext, out byte[] nextIv)
    {
        payloads = [];
        plaintext = [];
        nextIv = [];
        var cipher = Cipher;
        var body = message[IsakmpHeader.Size..];
        if (cipher is null || (header.Flags & IsakmpFlags.Encryption) == 0 || body.IsEmpty || body.Length % cipher.BlockSize != 0)
        {
            return false;
        }

        var decrypted = new byte[body.Length];
        if (!cipher.TryDecrypt(body, iv, decrypted)
            || !PayloadChain.TryParse(header.NextPayload, decrypted, payloads, out var consumed, out _))
        {
            return false;
        }

        plaintext = decrypted[..consumed];
        nextIv = body[^cipher.BlockSize..].ToArray();
        return true;
    }

    /// <summary>Splits a decrypted message that must start with a HASH payload; <paramref name="rest"/> is what that hash covers.</summary>
    public static bool TrySplitHash(List<IsakmpPayload> payloads, byte[] plaintext, out byte[] rest, out byte[] hash)
    {
        rest = [];
        hash = [];
        if (payloads.Count == 0 || payloads[0] is not HashPayload hashPayload)
        {
            return false;
        }

        hash = hashPayload.Data.ToArray();
        rest = plaintext[(IsakmpPayload.GenericHeaderSize + hash.Length)..];
        return true;
    }
}
