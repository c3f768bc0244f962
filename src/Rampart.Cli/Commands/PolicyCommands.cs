using System.CommandLine;
using System.Globalization;
using Rampart.Core.Policy;

namespace Rampart.Cli.Commands;

/// <summary><c>rampart policy ...</c>: list, show, create, set, assign, unassign, delete, export, import.</summary>
internal static class PolicyCommands
{
    public static Command Create() => new("policy", "Manage IPsec policies")
    {
        List(), Show(), CreatePolicy(), Set(), Assign(), Unassign(), Delete(), Export(), Import(),
    };

    private static Command List()
    {
        var json = Cli.JsonOption();
        var command = new Command("list", "List the policies and which one is assigned") { json };
        command.SetAction(parse =>
        {
            var snapshot = Cli.LoadForViewing();
            bool IsAssigned(IpsecPolicy p) => snapshot.AssignedPolicy?.Name == p.Name;
            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var policy in snapshot.Policies)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", policy.Name);
                        writer.WriteString("description", policy.Description);
                        writer.WriteBoolean("assigned", IsAssigned(policy));
                        writer.WriteNumber("rules", policy.Rules.Count);
                        writer.WriteBoolean("defaultResponseRule", policy.DefaultResponseRule);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                });
            }

            Cli.WriteTable(["NAME", "ASSIGNED", "DESCRIPTION"], snapshot.Policies.Select(p => new[] { p.Name, IsAssigned(p) ? "yes" : "no", p.Description }));
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("name") { Description = "Policy name (or Client, Server, Secure Server)" };
        var json = Cli.JsonOption();
        var command = new Command("show", "Show a policy with its rules, filter lists and filter actions (keys masked)") { name, json };
        command.SetAction(parse =>
        {
            var snapshot = Cli.LoadForViewing();
            if (!snapshot.TryResolvePolicy(parse.GetValue(name)!, out var policy, out var error))
            {
                return Cli.Fail(error);
            }

            var assigned = snapshot.AssignedPolicy?.Name == policy.Name;
            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer => PolicyJsonWriter.WritePolicy(writer, policy, includeSecrets: false, assigned));
            }

            WritePolicy(snapshot, policy, assigned);
            return CliRunner.Success;
        });
        return command;
    }

    private static Command CreatePolicy()
    {
        var name = new Argument<string>("name") { Description = "Policy name" };
        var description = new Option<string>("--description") { Description = "What the policy is for", DefaultValueFactory = _ => "" };
        var noDefaultResponse = new Option<bool>("--no-default-response") { Description = "Do not activate the default response rule" };
        var command = new Command("create", "Create an empty policy") { name, description, noDefaultResponse };
        command.SetAction(parse => Cli.Update(s =>
            PolicyEditor.CreatePolicy(s, parse.GetValue(name)!, parse.GetValue(description)!, !parse.GetValue(noDefaultResponse))));
        return command;
    }

    private static Command Set()
    {
        var name = new Argument<string>("name") { Description = "Policy name" };
        var description = new Option<string>("--description") { Description = "New description" };
        var defaultResponse = new Option<string>("--default-response") { Description = "Turn the default response rule on or off" };
        defaultResponse.AcceptOnlyFromAmong("on", "off");
        var lifetime = new Option<int?>("--mm-lifetime") { Description = "Main mode (IKE SA) lifetime in minutes", HelpName = "MINUTES" };
        var methods = new Option<string[]>("--mm-method") { Description = "Key exchange method CIPHER/HASH/GROUP, in order of preference; replaces the list", HelpName = "CIPHER/HASH/GROUP" };
        var pfs = new Option<bool?>("--mm-pfs") { Description = "Master key perfect forward secrecy (--mm-pfs false turns it off)", Arity = ArgumentArity.ZeroOrOne };
        var quickModes = new Option<int?>("--qm-per-mm") { Description = "Quick modes per main mode (0 = unlimited)", HelpName = "N" };
        var defaultResponseAuth = new Option<string[]>("--default-response-auth")
        {
            Description = "The default response rule's authentication methods, in order (default: kerberos); replaces the list; psk:@FILE or psk:- reads the key from a file or stdin",
            HelpName = "kerberos|psk:KEY|psk:@FILE|psk:-|cert:CA-NAME",
        };
        var command = new Command("set", "Change a policy's description, default response rule and key exchange settings")
        {
            name, description, defaultResponse, lifetime, methods, pfs, quickModes, defaultResponseAuth,
        };
        command.SetAction(parse =>
        {
            var parsedMethods = new List<IkeSecurityMethod>();
            foreach (var text in parse.GetValue(methods) ?? [])
            {
                if (!IkeSecurityMethod.TryParse(text, out var method, out var error))
                {
                    return Cli.Usage(error);
                }

                parsedMethods.Add(method);
            }

            var parsedAuthentication = new List<AuthenticationMethod>();
            var secrets = new SecretArguments();
            foreach (var given in parse.GetValue(defaultResponseAuth) ?? [])
            {
                if (!secrets.TryResolveAuthentication("--default-response-auth", given, out var text, out var error))
                {
                    return Cli.Fail(error);
                }

                if (!AuthenticationMethod.TryParse(text, out var method, out error))
                {
                    return Cli.Usage(error);
                }

                parsedAuthentication.Add(method);
            }

            bool? pfsValue = parse.GetResult(pfs) is null ? null : parse.GetValue(pfs) ?? true;
            bool? defaultResponseValue = parse.GetValue(defaultResponse) is { } onOff ? onOff == "on" : null;
            return Cli.Update(s => PolicyEditor.SetPolicy(
                s, parse.GetValue(name)!, parse.GetValue(description), defaultResponseValue, parse.GetValue(lifetime), parsedMethods, pfsValue, parse.GetValue(quickModes), parsedAuthentication));
        });
        return command;
    }

    private static Command Assign()
    {
        var name = new Argument<string>("name") { Description = "Policy name (or Client, Server, Secure Server)" };
        var command = new Command("assign", "Assign the policy to this host (replacing the assigned one)") { name };
        command.SetAction(parse => Cli.Update(s => PolicyEditor.AssignPolicy(s, parse.GetValue(name)!)));
        return command;
    }

    private static Command Unassign()
    {
        var name = new Argument<string>("name") { Description = "The assigned policy" };
        var command = new Command("unassign", "Unassign the policy; the host then applies no IPsec policy") { name };
        command.SetAction(parse => Cli.Update(s => PolicyEditor.UnassignPolicy(s, parse.GetValue(name)!)));
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("name") { Description = "Policy name" };
        var command = new Command("delete", "Delete a policy that is not assigned (its filter lists and actions stay)") { name };
        command.SetAction(parse => Cli.Update(s => PolicyEditor.DeletePolicy(s, parse.GetValue(name)!)));
        return command;
    }

    private static Command Export()
    {
        var name = new Argument<string>("name") { Description = "Policy name" };
        var includeSecrets = new Option<bool>("--include-secrets") { Description = "Write pre-shared keys in clear (they are masked otherwise)" };
        var command = new Command("export", "Write the policy with the filter lists and actions it uses as JSON on stdout") { name, includeSecrets };
        command.SetAction(parse =>
        {
            var snapshot = Cli.Load();
            if (!snapshot.TryResolvePolicy(parse.GetValue(name)!, out var policy, out var error))
            {
                return Cli.Fail(error);
            }

            var document = PolicyDocument.From(snapshot, policy);
            return Cli.WriteJson(writer => PolicyJsonWriter.WriteDocument(writer, document, parse.GetValue(includeSecrets)));
        });
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<string>("file") { Description = "A file written by 'rampart policy export --include-secrets' (- for stdin)" };
        var command = new Command("import", "Create or replace a policy and its filter lists and actions from an export") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var text = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
            return PolicyJsonReader.TryReadDocument(text, out var document, out var error)
                ? Cli.Update(s => PolicyEditor.ImportPolicy(s, document))
                : Cli.Fail($"cannot import {path}: {error}");
        });
        return command;
    }

    private static void WritePolicy(PolicySnapshot snapshot, IpsecPolicy policy, bool assigned)
    {
        var keyExchange = policy.KeyExchange;
        Console.WriteLine($"Policy: {policy.Name}");
        Console.WriteLine($"Description: {policy.Description}");
        Console.WriteLine($"Assigned: {Display.YesNo(assigned)}");
        Console.WriteLine($"Default response rule: {(policy.DefaultResponseRule ? "on" : "off")}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Key exchange: main mode lifetime {keyExchange.MainModeLifetimeMinutes} min, quick modes per main mode {(keyExchange.QuickModesPerMainMode == 0 ? "unlimited" : keyExchange.QuickModesPerMainMode)}, master key PFS {(keyExchange.MasterKeyPfs ? "on" : "off")}"));
        for (var i = 0; i < keyExchange.Methods.Count; i++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  method {i + 1}: {Display.Method(keyExchange.Methods[i])}"));
        }

        Console.WriteLine(policy.Rules.Count == 0 ? "Rules: none" : "Rules:");
        for (var i = 0; i < policy.Rules.Count; i++)
        {
            var rule = policy.Rules[i];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  rule {i + 1}: {Display.Rule(rule)}"));
            if (snapshot.FindFilterList(rule.FilterListName) is { } list)
            {
                Display.WriteFilterList(list, "    ");
            }

            if (snapshot.FindFilterAction(rule.FilterActionName) is { } action)
            {
                Display.WriteFilterAction(action, "    ");
            }
        }

        if (policy.DefaultResponseRule)
        {
            Console.WriteLine($"  default response rule: {Display.Rule(policy.EffectiveDefaultResponseRule)}");
            Display.WriteFilterAction(DefaultResponse.FilterAction, "    ");
        }
    }
}
