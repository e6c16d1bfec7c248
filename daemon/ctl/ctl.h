/*
 * ctl.h: replyctl's commands, one function each, dispatched by name from
 * replyctl.c.  Each takes the arguments after the command name and returns
 * the process exit status.
 */
#ifndef CTL_H
#define CTL_H

int	ctl_deadline(int argc, char **argv);
int	ctl_contacts(int argc, char **argv);
int	ctl_report(int argc, char **argv);
int	ctl_conversations(int argc, char **argv);
int	ctl_show(int argc, char **argv);
int	ctl_reply(int argc, char **argv);
int	ctl_responded(int argc, char **argv);
int	ctl_ack(int argc, char **argv);
int	ctl_duty(int argc, char **argv);
int	ctl_absences(int argc, char **argv);
int	ctl_signin(int argc, char **argv);
int	ctl_closures(int argc, char **argv);

#endif
