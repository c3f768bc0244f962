using System.Globalization;
using System.Net;
using System.Text.Json;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Core.Policy;

/// <summary>
/// Reads what <see cref="PolicyJsonWriter"/> writes. Returns false with a message that names the bad member;
/// never throws on bad input. A masked pre-shared key is refused: it would silently replace the real key.
/// </summary>
public static class PolicyJsonReader
{
    public static bool TryReadDocument(string json, out PolicyDocument document, out string error) =>
        TryRead(json, root =>
        {
            var format = String(root, "format");
            if (format != PolicyDocument.Format)
            {
                throw new FormatException($"unsupported format '{format}'; expected '{PolicyDocument.Format}'");
            }

            return new PolicyDocument(
                ReadPolicy(Member(root, "policy")),
                Array(root, "filterLists").Select(ReadFilterList).ToEquatableList(),
                Array(root, "filterActions").Select(ReadFilterAction).ToEquatableList());
        }, out document, out error);

    public static bool TryReadPolicy(string json, out IpsecPolicy policy, out string error) => TryRead(json, ReadPolicy, out policy, out error);

    public static bool TryReadFilterList(string json, out FilterList list, out string error) => TryRead(json, ReadFilterList, out list, out error);

    public static bool TryReadFilterAction(string json, out FilterAction action, out string error) => TryRead(json, ReadFilterAction, out action, out error);

    private static bool TryRead<T>(string json, Func<JsonElement, T> read, out T value, out string error)
    {
        value = default!;
        try
        {
            using var document = JsonDocument.Parse(json);
            value = read(document.RootElement);
            error = "";
            return true;
        }
        catch (JsonException e)
        {
            error = "not valid JSON: " + e.Message;
        }
        catch (FormatException e)
        {
            error = e.Message;
        }
        catch (InvalidOperationException e)
        {
            error = "unexpected JSON value type: " + e.Message;
        }

        return false;
    }

    private static IpsecPolicy ReadPolicy(JsonElement element)
    {
        var name = String(element, "name");
        var keyExchange = Member(element, "keyExchange");
        return new IpsecPolicy(
            name,
            String(element, "description"),
            Array(element, "rules").Select(r => ReadRule(r, name)).ToEquatableList(),
            Member(element, "defaultResponseRule").GetBoolean(),
            new KeyExchangeSettings(
                Member(keyExchange, "mainModeLifetimeMinutes").GetInt32(),
                Member(keyExchange, "quickModesPerMainMode").GetInt32(),
                Member(keyExchange, "masterKeyPfs").GetBoolean(),
                Array(keyExchange, "methods").Select(ReadIkeMethod).ToEquatableList()),
            element.TryGetProperty("defaultResponseAuthentication", out var defaultResponse)
                ? defaultResponse.EnumerateArray().Select(m => ReadAuthenticationMethod(m, name)).ToEquatableList()
                : null);
    }

    private static IkeSecurityMethod ReadIkeMethod(JsonElement element)
    {
        var text = $"{String(element, "cipher")}/{String(element, "hash")}/{String(element, "group")}";
        return IkeSecurityMethod.TryParse(text, out var method, out var error) ? method : throw new FormatException(error);
    }

    private static Rule ReadRule(JsonElement element, string policyName)
    {
        var methods = Array(element, "authentication").Select(m => ReadAuthenticationMethod(m, policyName)).ToEquatableList();
        IPAddress? endpoint = null;
        var endpointElement = Member(element, "tunnelEndpoint");
        if (endpointElement.ValueKind != JsonValueKind.Null && !IPAddress.TryParse(endpointElement.GetString() ?? "", out endpoint))
        {
            throw new FormatException($"invalid tunnel endpoint '{endpointElement.GetString()}': expected an IP address");
        }

        var connection = String(element, "connectionType") switch
        {
            "all" => ConnectionType.All,
            "lan" => ConnectionType.Lan,
            "remote-access" => ConnectionType.RemoteAccess,
            var other => throw new FormatException($"unknown connection type '{other}'; expected one of: all, lan, remote-access"),
        };
        return new Rule(String(element, "filterList"), String(element, "filterAction"), methods, endpoint, connection);
    }

    private static AuthenticationMethod ReadAuthenticationMethod(JsonElement element, string policyName) => String(element, "method") switch
    {
        "kerberos" => AuthenticationMethod.Kerberos,
        "psk" => String(element, "key") is var key && key == AuthenticationMethod.Mask
            ? throw new FormatException($"policy '{policyName}': the pre-shared key is masked ({AuthenticationMethod.Mask}); export with --include-secrets or put the key in the file")
            : new AuthenticationMethod.PreSharedKey(key),
        "cert" => new AuthenticationMethod.Certificate(
            String(element, "ca"), element.TryGetProperty("ikeEku", out var ikeEku) && ikeEku.ValueKind == JsonValueKind.True),
        var other => throw new FormatException($"unknown authentication method '{other}'; expected one of: kerberos, psk, cert"),
    };

    private static FilterList ReadFilterList(JsonElement element) =>
        new(String(element, "name"), String(element, "description"), Array(element, "filters").Select(ReadFilter).ToEquatableList());

    private static Filter ReadFilter(JsonElement element)
    {
        if (!AddressSpec.TryParse(String(element, "source"), out var source, out var error)
            || !AddressSpec.TryParse(String(element, "destination"), out var destination, out error)
            || !Filter.TryParseProtocol(String(element, "protocol"), out var protocol, out error))
        {
            throw new FormatException(error);
        }

        return new Filter(source, destination, protocol, Port(element, "sourcePort"), Port(element, "destinationPort"),
            Member(element, "mirrored").GetBoolean(), String(element, "description"));
    }

    private static FilterAction ReadFilterAction(JsonElement element)
    {
        var kind = String(element, "kind") switch
        {
            "permit" => FilterActionKind.Permit,
            "block" => FilterActionKind.Block,
            "negotiate" => FilterActionKind.Negotiate,
            var other => throw new FormatException($"unknown filter action kind '{other}'; expected one of: permit, block, negotiate"),
        };
        return new FilterAction(
            String(element, "name"),
            String(element, "description"),
            kind,
            Array(element, "securityMethods").Select(ReadSecurityMethod).ToEquatableList(),
            Member(element, "acceptUnsecured").GetBoolean(),
            Member(element, "allowFallbackToClear").GetBoolean(),
            Member(element, "sessionKeyPfs").GetBoolean());
    }

    private static SecurityMethod ReadSecurityMethod(JsonElement element)
    {
        var protocol = String(element, "protocol") switch
        {
            "esp" => SaProtocol.Esp,
            "ah" => SaProtocol.Ah,
            var other => throw new FormatException($"unknown IPsec protocol '{other}'; expected one of: esp, ah"),
        };
        CipherAlgorithm? cipher = null;
        var cipherElement = Member(element, "cipher");
        if (cipherElement.ValueKind != JsonValueKind.Null)
        {
            var cipherText = cipherElement.GetString() ?? "";
            cipher = AlgorithmCatalog.TryParseCipher(cipherText, out var parsed)
                ? parsed
                : throw new FormatException(AlgorithmCatalog.UnknownNameMessage("cipher", cipherText, AlgorithmCatalog.CipherSpellings));
        }

        var integrityText = String(element, "integrity");
        var integrity = IntegrityAlgorithm.None;
        if (integrityText != "none" && !AlgorithmCatalog.TryParseIntegrity(integrityText, out integrity))
        {
            throw new FormatException(AlgorithmCatalog.UnknownNameMessage("integrity algorithm", integrityText, AlgorithmCatalog.IntegritySpellings.Append("none")));
        }

        return new SecurityMethod(protocol, cipher, integrity, Member(element, "lifetimeSeconds").GetInt32(), Member(element, "lifetimeKilobytes").GetInt64());
    }

    private static ushort? Port(JsonElement element, string name)
    {
        var value = Member(element, name);
        return value.ValueKind == JsonValueKind.Null ? null
            : value.TryGetUInt16(out var port) ? port
            : throw new FormatException($"'{name}' must be a port number 1-65535 or null");
    }

    private static JsonElement Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value
            : throw new FormatException($"missing member '{name}'");

    private static string String(JsonElement element, string name) =>
        Member(element, name).GetString() ?? throw new FormatException($"'{name}' must be a string");

    private static List<JsonElement> Array(JsonElement element, string name)
    {
        var value = Member(element, name);
        return value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().ToList()
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'{name}' must be an array"));
    }
}
