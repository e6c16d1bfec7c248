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
int	ctl_signin(int argc, char **argv);

#endif
