using System.CommandLine;
using Rampart.Cli;
using Rampart.Cli.Commands;

var root = new RootCommand("rampart: policy-driven IPsec for Linux")
{
    PolicyCommands.Create(),
    FilterListCommands.Create(),
    FilterCommands.Create(),
    FilterActionCommands.Create(),
    RuleCommands.Create(),
    SaCommands.Create(),
    AgentCommands.Create(),
    MonitorCommands.Create(),
    AuditCommands.Create(),
    TraceCommands.Create(),
    CertCommands.Create(),
    CaCommands.Create(),
    RealmCommands.Create(),
    DemoCommand.Create(),
};
return CliRunner.Run(root, args);
