using System.Globalization;
using Rampart.Ike.Wire;

namespace Rampart.Agent.Ike;

/// <summary>
/// One line per IKE message for the IKE trace: exchange, cookies, message ID, flags and the payload chain of clear
/// messages. Encrypted payloads stay unread here, so nothing secret can reach the trace.
/// </summary>
public static class IkeMessageSummary
{
    public static string Describe(ReadOnlySpan<byte> message)
    {
        if (!IsakmpHeader.TryParse(message, out var header, out _))
        {
            return $"unparsable ({message.Length} bytes)";
        }

        var text = string.Create(CultureInfo.InvariantCulture,
            $"{header.Exchange} CKY-I {header.InitiatorCookie:x16} CKY-R {header.ResponderCookie:x16} MID {header.MessageId:x8} flags {header.Flags} {header.Length} bytes");
        if ((header.Flags & IsakmpFlags.Encryption) != 0)
        {
            return text + $" encrypted, first payload {header.NextPayload}";
        }

        if (IkeFragment.TryParse(message, out _, out var fragment))
        {
            return text + string.Create(CultureInfo.InvariantCulture, $" fragment {fragment.Number}{(fragment.IsLast ? " (last)" : "")} of message {fragment.Id:x4}, {fragment.Data.Length} bytes");
        }

        var payloads = new List<IsakmpPayload>();
        var body = message[IsakmpHeader.Size..Math.Min(message.Length, (int)header.Length)];
        return PayloadChain.TryParse(header.NextPayload, body, payloads, out _, out _)
            ? text + " payloads " + string.Join(", ", payloads.Select(p => p.Type))
            : text + " malformed payload chain";
    }
}
