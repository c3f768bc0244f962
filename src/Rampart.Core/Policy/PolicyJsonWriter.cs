using System.Text.Json;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Core.Policy;

/// <summary>
/// Writes the model as JSON, the form shown by <c>--json</c>, exported for review and kept in the store.
/// Pre-shared keys are masked unless secrets are explicitly included; legacy algorithms carry <c>"legacy": true</c>.
/// </summary>
public static class PolicyJsonWriter
{
    public static void WriteDocument(Utf8JsonWriter writer, PolicyDocument document, bool includeSecrets)
    {
        writer.WriteStartObject();
        writer.WriteString("format", PolicyDocument.Format);
        writer.WritePropertyName("policy");
        WritePolicy(writer, document.Policy, includeSecrets, assigned: null);
        writer.WriteStartArray("filterLists");
        foreach (var list in document.FilterLists)
        {
            WriteFilterList(writer, list);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("filterActions");
        foreach (var action in document.FilterActions)
        {
            WriteFilterAction(writer, action);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Writes a policy; <paramref name="assigned"/> adds an "assigned" member when known.</summary>
    public static void WritePolicy(Utf8JsonWriter writer, IpsecPolicy policy, bool includeSecrets, bool? assigned)
    {
        writer.WriteStartObject();
        writer.WriteString("name", policy.Name);
        writer.WriteString("description", policy.Description);
        if (assigned is { } isAssigned)
        {
            writer.WriteBoolean("assigned", isAssigned);
        }

        writer.WriteBoolean("defaultResponseRule", policy.DefaultResponseRule);
        if (policy.DefaultResponseAuthentication is { } defaultResponseAuthentication)
        {
            writer.WriteStartArray("defaultResponseAuthentication");
            foreach (var method in defaultResponseAuthentication)
            {
                WriteAuthenticationMethod(writer, method, includeSecrets);
            }

            writer.WriteEndArray();
        }

        var keyExchange = policy.KeyExchange;
        writer.WriteStartObject("keyExchange");
        writer.WriteNumber("mainModeLifetimeMinutes", keyExchange.MainModeLifetimeMinutes);
        writer.WriteNumber("quickModesPerMainMode", keyExchange.QuickModesPerMainMode);
        writer.WriteBoolean("masterKeyPfs", keyExchange.MasterKeyPfs);
        writer.WriteStartArray("methods");
        foreach (var method in keyExchange.Methods)
        {
            writer.WriteStartObject();
            writer.WriteString("cipher", AlgorithmCatalog.Name(method.Cipher));
            writer.WriteString("hash", AlgorithmCatalog.Name(method.Integrity));
            writer.WriteString("group", AlgorithmCatalog.Name(method.Group));
            writer.WriteBoolean("legacy", method.IsLegacy);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteStartArray("rules");
        foreach (var rule in policy.Rules)
        {
            WriteRule(writer, rule, includeSecrets);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteRule(Utf8JsonWriter writer, Rule rule, bool includeSecrets)
    {
        writer.WriteStartObject();
        writer.WriteString("filterList", rule.FilterListName);
        writer.WriteString("filterAction", rule.FilterActionName);
        writer.WriteStartArray("authentication");
        foreach (var method in rule.AuthenticationMethods)
        {
            WriteAuthenticationMethod(writer, method, includeSecrets);
        }

        writer.WriteEndArray();
        if (rule.TunnelEndpoint is { } endpoint)
        {
            writer.WriteString("tunnelEndpoint", endpoint.ToString());
        }
        else
        {
            writer.WriteNull("tunnelEndpoint");
        }

        writer.WriteString("connectionType", ConnectionTypeName(rule.ConnectionType));
        writer.WriteEndObject();
    }

    public static void WriteFilterList(Utf8JsonWriter writer, FilterList list)
    {
        writer.WriteStartObject();
        writer.WriteString("name", list.Name);
        writer.WriteString("description", list.Description);
        writer.WriteStartArray("filters");
        foreach (var filter in list.Filters)
        {
            WriteFilter(writer, filter);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteFilter(Utf8JsonWriter writer, Filter filter)
    {
        writer.WriteStartObject();
        writer.WriteString("source", filter.Source.ToString());
        writer.WriteString("destination", filter.Destination.ToString());
        writer.WriteString("protocol", Filter.ProtocolName(filter.Protocol));
        WriteOptionalNumber(writer, "sourcePort", filter.SourcePort);
        WriteOptionalNumber(writer, "destinationPort", filter.DestinationPort);
        writer.WriteBoolean("mirrored", filter.Mirrored);
        writer.WriteString("description", filter.Description);
        writer.WriteEndObject();
    }

    public static void WriteFilterAction(Utf8JsonWriter writer, FilterAction action)
    {
        writer.WriteStartObject();
        writer.WriteString("name", action.Name);
        writer.WriteString("description", action.Description);
        writer.WriteString("kind", action.Kind.ToString().ToLowerInvariant());
        writer.WriteStartArray("securityMethods");
        foreach (var method in action.SecurityMethods)
        {
            writer.WriteStartObject();
            writer.WriteString("protocol", method.Protocol == SaProtocol.Esp ? "esp" : "ah");
            if (method.Cipher is { } cipher)
            {
                writer.WriteString("cipher", AlgorithmCatalog.Name(cipher));
            }
            else
            {
                writer.WriteNull("cipher");
            }

            writer.WriteString("integrity", AlgorithmCatalog.Name(method.Integrity));
            writer.WriteNumber("lifetimeSeconds", method.LifetimeSeconds);
            writer.WriteNumber("lifetimeKilobytes", method.LifetimeKilobytes);
            writer.WriteBoolean("legacy", method.IsLegacy);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteBoolean("acceptUnsecured", action.AcceptUnsecured);
        writer.WriteBoolean("allowFallbackToClear", action.AllowFallbackToClear);
        writer.WriteBoolean("sessionKeyPfs", action.SessionKeyPfs);
        writer.WriteEndObject();
    }

    public static string ConnectionTypeName(ConnectionType type) => type switch
    {
        ConnectionType.Lan => "lan",
        ConnectionType.RemoteAccess => "remote-access",
        _ => "all",
    };

    /// <summary>Serialises with <paramref name="write"/> into a string (indented for people, compact for the store).</summary>
    public static string ToJson(Action<Utf8JsonWriter> write, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteAuthenticationMethod(Utf8JsonWriter writer, AuthenticationMethod method, bool includeSecrets)
    {
        writer.WriteStartObject();
        switch (method)
        {
            case AuthenticationMethod.PreSharedKey psk:
                writer.WriteString("method", "psk");
                writer.WriteString("key", includeSecrets ? psk.Secret : AuthenticationMethod.Mask);
                break;
            case AuthenticationMethod.Certificate certificate:
                writer.WriteString("method", "cert");
                writer.WriteString("ca", certificate.CaName);
                if (certificate.RequireIkeEku)
                {
                    writer.WriteBoolean("ikeEku", true);
                }

                break;
            default:
                writer.WriteString("method", "kerberos");
                break;
        }

        writer.WriteEndObject();
    }

    private static void WriteOptionalNumber(Utf8JsonWriter writer, string name, ushort? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
