using System.CommandLine;
using System.Globalization;
using System.Net;
using Rampart.Core.Policy;

namespace Rampart.Cli.Commands;

/// <summary><c>rampart rule ...</c>: add, list, delete the rules of a policy.</summary>
internal static class RuleCommands
{
    public static Command Create() => new("rule", "Manage the rules of a policy")
    {
        Add(), List(), Delete(),
    };

    private static Command Add()
    {
        var policy = new Argument<string>("policy") { Description = "Policy name" };
        var filterList = new Option<string>("--filterlist") { Description = "Filter list the rule applies to", Required = true, HelpName = "LIST" };
        var filterAction = new Option<string>("--action") { Description = "Filter action for matching traffic", Required = true, HelpName = "ACTION" };
        var auth = new Option<string[]>("--auth") { Description = "Authentication method, in order of preference: kerberos, psk:KEY (psk:@FILE or psk:- reads the key from a file or stdin) or cert:CA-NAME (default: kerberos)", HelpName = "kerberos|psk:KEY|psk:@FILE|psk:-|cert:CA-NAME" };
        var tunnel = new Option<string>("--tunnel") { Description = "The peer's tunnel endpoint (omit for transport mode)", HelpName = "ADDR" };
        var connection = new Option<string>("--connection") { Description = "Connections the rule applies to", DefaultValueFactory = _ => "all" };
        connection.AcceptOnlyFromAmong("all", "lan", "remote-access");
        var command = new Command("add", "Append a rule to a policy") { policy, filterList, filterAction, auth, tunnel, connection };
        command.SetAction(parse =>
        {
            var methods = new List<AuthenticationMethod>();
            var secrets = new SecretArguments();
            foreach (var given in parse.GetValue(auth) is { Length: > 0 } all ? all : ["kerberos"])
            {
                if (!secrets.TryResolveAuthentication("--auth", given, out var text, out var error))
                {
                    return Cli.Fail(error);
                }

                if (!AuthenticationMethod.TryParse(text, out var method, out error))
                {
                    return Cli.Usage(error);
                }

                methods.Add(method);
            }

            IPAddress? endpoint = null;
            if (parse.GetValue(tunnel) is { } tunnelText && !IPAddress.TryParse(tunnelText, out endpoint))
            {
                return Cli.Usage($"invalid tunnel endpoint '{tunnelText}': expected an IPv4 or IPv6 address");
            }

            var connectionType = parse.GetValue(connection) switch
            {
                "lan" => ConnectionType.Lan,
                "remote-access" => ConnectionType.RemoteAccess,
                _ => ConnectionType.All,
            };
            return Cli.Update(s => PolicyEditor.AddRule(s, parse.GetValue(policy)!, parse.GetValue(filterList)!, parse.GetValue(filterAction)!, methods, endpoint, connectionType));
        });
        return command;
    }

    private static Command List()
    {
        var policy = new Argument<string>("policy") { Description = "Policy name" };
        var json = Cli.JsonOption();
        var command = new Command("list", "List the rules of a policy, numbered (keys masked)") { policy, json };
        command.SetAction(parse =>
        {
            if (!Cli.Load().TryResolvePolicy(parse.GetValue(policy)!, out var found, out var error))
            {
                return Cli.Fail(error);
            }

            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var rule in found.Rules)
                    {
                        PolicyJsonWriter.WriteRule(writer, rule, includeSecrets: false);
                    }

                    writer.WriteEndArray();
                });
            }

            Cli.WriteTable(["#", "FILTER LIST", "FILTER ACTION", "AUTHENTICATION", "TUNNEL", "CONNECTION"],
                found.Rules.Select((r, i) => new[]
                {
                    (i + 1).ToString(CultureInfo.InvariantCulture), r.FilterListName, r.FilterActionName, Display.Authentication(r),
                    r.TunnelEndpoint?.ToString() ?? "none", PolicyJsonWriter.ConnectionTypeName(r.ConnectionType),
                }));
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Delete()
    {
        var policy = new Argument<string>("policy") { Description = "Policy name" };
        var index = new Argument<int>("index") { Description = "Rule number, as 'rampart rule list' shows it" };
        var command = new Command("delete", "Delete one rule of a policy") { policy, index };
        command.SetAction(parse => Cli.Update(s => PolicyEditor.DeleteRule(s, parse.GetValue(policy)!, parse.GetValue(index))));
        return command;
    }
}
