# ruff: noqa: E501, RUF001
"""Hand-written prompts for the groups the cue-based classifiers get wrong (issue 18).

Each group has its own dev and held-out lists, written separately: no prompt, template
or quoted passage is shared between them. The held-out lists were written before any
classifier change and are never read by training or tuning (tools/train_complexity.py
and the policy's exemplars use dev only). tools/build_datasets.py adds them to the
evaluation sets as the categories named below.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------
# Complexity: short prompts that ask for hard work (complex = true)
# ---------------------------------------------------------------------------------------

SHORT_HARD_DEV = [
    "Show that every tree with n nodes has n-1 edges.",
    "Lock-free stack in C++ with ABA protection, please.",
    "Regex for balanced parentheses up to depth 3?",
    "Why is the halting problem undecidable? Full argument.",
    "Make my Rust LRU cache safe to share across threads.",
    "Is P(A|B) = P(B|A) ever true? When exactly?",
    "Find the bug: my mutex-based barrier deadlocks at n=3.",
    "Turing machine for a^n b^n c^n, with the transition table.",
    "Derive the closed form of the Fibonacci numbers.",
    "Explain why my Python generator leaks memory in a loop.",
    "Rate limiter: token bucket, distributed over Redis, exact.",
    "Schedule 9 exams in 4 slots, no student clash. Method?",
    "Prove the AM-GM inequality for n terms.",
    "Write a Bloom filter and give its false-positive rate.",
    "Matching brackets across lines in a sed one-liner?",
]

SHORT_HARD_HELDOUT = [
    "Prove that no square number ends in 2, 3, 7 or 8.",
    "Write a wait-free single-producer single-consumer ring buffer in C.",
    "Give a regex for IPv4 addresses that rejects 256 and leading zeros.",
    "Is there a bijection between ℕ and ℚ? Construct one.",
    "Implement a read-write lock that doesn't starve writers.",
    "Why does double-checked locking break in Java before 1.5?",
    "Count the spanning trees of K4 and justify the number.",
    "Regex that matches a valid date in February, leap years included.",
    "Show that the sum of two odd primes can't be prime unless one is 2.",
    "Design a consistent-hashing ring that tolerates node churn.",
    "Prove Cantor's theorem: no set maps onto its power set.",
    "Skip list with concurrent inserts in Go, no global lock.",
    "Why is my recursive descent parser left-recursive, and how do I fix it?",
    "Derive Bayes-optimal decision rule for asymmetric losses.",
    "A CRDT counter that supports decrement: design and prove convergence.",
    "Does 0.999... equal 1? Give a rigorous epsilon argument.",
    "Write a persistent red-black tree insert in Haskell.",
    "Pattern to match quoted strings with escaped quotes inside.",
    "Prove that a graph is bipartite iff it has no odd cycle.",
    "Why can two-phase commit block forever? Walk through it.",
    "Implement a work-stealing deque like Chase-Lev.",
    "What's the expected number of coin flips to see HTH?",
    "Minimal DFA for binary numbers divisible by 5.",
    "How would you detect a cycle in a linked list in O(1) space, and why does it work?",
    "Is the sum of 1/p over primes finite? Prove it.",
]

# ---------------------------------------------------------------------------------------
# Complexity: long prompts asking for easy work on quoted text (complex = false).
# Each is one instruction and one quoted passage; dev and held-out share neither.
# ---------------------------------------------------------------------------------------

LONG_EASY_DEV = [
    "Shorten this to two sentences for our Slack channel:\n\n\"Hi all, as some of you know we have been planning to move the weekly sync from Tuesday to Wednesday for a while now, because Tuesdays are packed with customer calls for the sales side and a lot of people have been joining late or not at all. After checking everyone's calendars, Wednesday at 10:30 works for nearly the whole group. The first Wednesday sync will be next week. The agenda stays the same and the doc link does not change. If Wednesday really doesn't work for you, let me know by Friday.\"",
    'Make this sound friendlier, same content:\n\n"Your request has been received. Refunds are processed within 10 business days. We do not accept returns of opened items. Do not contact support again about this order unless 10 business days have passed. Tracking numbers for return shipments must be sent to the address in the original confirmation email. Failure to include the order number will delay processing. Thank you for shopping with us."',
    "Put this into a table with columns Item, Quantity, Notes:\n\nFor the picnic we need two large blankets (the blue ones from the garage), four folding chairs, one cooler with ice packs, about twenty paper plates, the same number of cups, a roll of bin bags, sunscreen for the kids, a frisbee and maybe a football, three bottles of water per person which is about fifteen bottles, and the portable speaker if it is charged. Also bring the first-aid kit and the little table.",
    "Turn this into bullet points, don't add anything:\n\n\"The library will change its opening hours from 1 March. On weekdays it will open at 9 instead of 8:30, and it will close at 19:00 instead of 18:00. On Saturdays nothing changes. On Sundays the library will now open from 11:00 to 15:00, which is new. The children's reading hour moves from Thursday afternoon to Saturday morning at 10:00. Book returns can still be dropped in the box outside at any time.\"",
    "Fix the capitalisation and punctuation only:\n\n\"dear neighbours we're having a small get together on saturday the 14th from about 4pm in the back garden there'll be food and some music but we'll keep the volume reasonable and wrap up by 10 if you'd like to join you're very welcome just knock on the side gate if the noise bothers you at any point please let us know and we'll turn it down thanks and hope to see some of you there\"",
    'Rewrite this in plain English for a newsletter, keeping it about the same length:\n\n"Pursuant to the resolution adopted at the annual general meeting, members are hereby notified that the subscription fee applicable to the forthcoming membership year shall be increased by an amount not exceeding five percent, such increase being necessitated by the rise in operating expenditure, including but not limited to facility hire, insurance premiums and equipment maintenance. Members wishing to raise objections may do so in writing prior to the end of the current quarter."',
    'Summarise this review in one line:\n\n"We stayed three nights. The room was smaller than in the photos but very clean and quiet, and the bed was comfortable. Breakfast was the highlight: fresh bread, good coffee, a few hot options that changed daily. The staff were friendly though the front desk was slow at check-in on the first evening. Location is perfect, five minutes walk to the old town and the river. Parking was expensive. Overall we\'d stay again, mostly for the breakfast and the location."',
    "Reformat as a numbered list of steps:\n\nFirst unplug the coffee machine and let it cool down. Then take out the water tank and empty it, then fill it with a mix of half water and half white vinegar. Put the tank back and place a large mug under the spout. Run a brewing cycle without any coffee. Throw away what comes out, fill the tank with clean water only and run two more cycles to rinse. Finally wipe the outside with a damp cloth and plug it back in.",
    "Translate the tone of this into something more polite, it's going to my landlord:\n\n\"The dishwasher has been broken for three weeks. I told you twice already. I'm paying full rent for a flat where half the kitchen doesn't work. The repair guy you sent didn't even have the right part and said he'd be back and never came. I need this fixed this week. If not I'll buy a new one myself and take it off next month's rent. Also the bathroom fan is making a noise again.\"",
    "Convert this paragraph into a two-column table of day and activity:\n\nOn Monday we arrive and check in, then a welcome dinner. Tuesday is the guided walk through the old town in the morning and a free afternoon. Wednesday is the boat trip to the islands, all day, bring swimwear. Thursday we visit the winery and have a cooking class in the evening. Friday is free until the farewell party at 8pm. On Saturday we check out by 11 and the bus leaves for the airport at noon.",
    "Tidy up the formatting of these meeting notes, keep every point:\n\nnotes 12/3 - attendees: Jo, Ravi, Meg, Tom (late) -- budget: still waiting on finance for Q2 numbers, Meg to chase -- website: new homepage live next Tues, Jo says images still need compressing -- hiring: two interviews done for the designer role, one more on Thursday -- events: booth at the trade fair confirmed, need volunteers for Saturday shift -- AOB: office plants dying, someone please water them -- next meeting 19/3 same time",
    'Make this shorter but keep all the dates:\n\n"Just a reminder to everyone about the upcoming schedule for the end of the school year. The last day of regular classes will be Friday the 20th of June. Exams for the older students start on Monday the 9th and run until Wednesday the 18th. The sports day has been moved from the 6th to the 13th because the field is being reseeded. The summer concert is on Thursday the 19th at 6pm in the main hall, and parents are very welcome. Reports will be sent home on the final day."',
]

LONG_EASY_HELDOUT = [
    'Can you shorten this email to about half its length without losing any facts?\n\n"Hello team, I wanted to give everyone a quick heads-up that the office kitchen will be closed for renovation starting next Monday and running through to the Friday of the following week. During this time the fridges will be switched off, so please take home anything you have stored in them by this Friday afternoon at the latest; anything left after that will unfortunately have to be thrown away. The coffee machine will be moved temporarily to the meeting room on the second floor, and there will be a kettle there too. We apologise for the inconvenience and expect the new kitchen to be much nicer."',
    "Please rewrite this message so it's polite; it's going to a customer:\n\n\"We already told you that the warranty doesn't cover water damage. The phone you sent us was clearly dropped in water, the indicator inside is red. We are not going to replace it for free. If you want it repaired you have to pay the repair fee which is on our website. If you don't want it repaired we'll send it back but you have to pay shipping. Let us know what you want by the end of the week or we'll just send it back.\"",
    "Reformat the following as a Markdown table with columns Name, Role, Start date:\n\nAnna joined as a junior designer on the 3rd of February. Ben started in sales on the 17th of February. Carla is our new office manager, she began on the 1st of March. Dev joined the support team on the 10th of March. Emil and Fay both started as warehouse staff on the 24th of March. Gus is a backend developer and started on the 7th of April. Hana starts on the 14th of April in marketing.",
    "Turn this into a short bulleted list of what to bring; it's for a parents' group chat:\n\n\"For the school trip on Thursday the children will need a packed lunch and a drink in a bottle that doesn't leak, no glass please. They should wear comfortable shoes because we'll be walking quite a lot, and bring a waterproof jacket in case of rain. A small backpack is best so their hands are free. They don't need money, all tickets are paid. If your child gets travel sick please give them something before they leave home and tell the class teacher. Phones should stay at home.\"",
    'Summarise this in one sentence for a status update:\n\n"The migration of the customer newsletter from the old mailing tool to the new one is mostly done. All subscriber lists have been imported and checked, the three templates we use most have been rebuilt and tested on desktop and mobile, and the unsubscribe links work. What is left is setting up the automated welcome sequence, which should take about two days, and one final test send to the internal list. We plan to send the first real newsletter from the new tool on the 15th."',
    'Rewrite this paragraph in simpler words for a twelve-year-old, keeping it the same length:\n\n"Photosynthesis is the process by which green plants, algae and certain bacteria convert light energy into chemical energy. Using sunlight absorbed by chlorophyll, they combine carbon dioxide taken from the air with water drawn up from the soil to produce glucose, which the plant uses as fuel, and oxygen, which is released into the atmosphere as a by-product. This process is fundamental to almost all life on Earth."',
    "Make this a numbered checklist, same wording where possible:\n\nBefore you leave the holiday cottage please strip the beds and leave the sheets in the basket by the washing machine, put the used towels in there too, empty the dishwasher, take the rubbish and recycling out to the bins by the gate, turn the heating down to 15 degrees, close all the windows, switch off the lights, lock the back door and leave the key in the key safe by the front door, and make sure the code is scrambled.",
    "Could you clean up the grammar and spelling in this note? Don't change the meaning.\n\n\"Hi everyone, just to let you know that the yoga class on wensday is cancelled this week because the instructer is away on holliday. Next weeks class will go ahead as normal at 7 oclock. If you allready paid for this weeks session you can use it next week instead or we can refund you, just let me know which you prefer. Also we are looking for somebody to help set up the mats before class, if your interested please reply to this message. Thank's and see you soon!\"",
    'Shorten this product description to under 50 words for the online shop:\n\n"This handmade ceramic mug is thrown on the wheel in our small studio in the countryside and glazed in a deep ocean blue that varies slightly from piece to piece, so no two mugs are exactly the same. It holds around 350 ml, which is just right for a generous cup of tea or a large coffee, and the wide handle is comfortable for both small and large hands. The mug is dishwasher and microwave safe, although we recommend hand washing to keep the glaze looking its best for many years."',
    "Convert these notes into a table with the columns Date, Expense, Amount:\n\nOn the 2nd I paid 45 euros for the train to the conference. The hotel on the 2nd and 3rd came to 210 euros in total. On the 3rd I had a lunch with a client, 38 euros. Taxi from the hotel to the venue on the 3rd was 16 euros. On the 4th breakfast at the station was 9 euros and the train home was 52 euros. I also bought a phone charger on the 3rd for 19 euros because I forgot mine.",
    "Make this complaint sound calmer and more professional, it's for the council:\n\n\"The streetlight outside number 12 has been broken for TWO MONTHS. I've reported it online three times and nothing happens. It's pitch black at night and my elderly mother nearly tripped on the kerb last week. What exactly are we paying council tax for? Somebody needs to come and fix it now, not in another two months. I've also noticed the bin by the bus stop hasn't been emptied in weeks and it stinks.\"",
    'Please put this recipe into two lists, ingredients and steps:\n\n"For the pancakes you need 200 grams of flour, two eggs, 300 ml of milk, a pinch of salt and a little butter for the pan. Sift the flour and salt into a bowl and make a well in the middle. Crack in the eggs and add a splash of milk, then whisk, slowly adding the rest of the milk until the batter is smooth. Let it rest for ten minutes. Heat a little butter in a frying pan, pour in a ladle of batter, cook for a minute on each side and serve with lemon and sugar."',
    'Rewrite this out-of-office reply to be shorter and a bit warmer:\n\n"Thank you for your email. Please be advised that I am currently out of the office attending an industry event and will have limited access to email until Monday the 22nd. During this period, responses to messages may be significantly delayed. For urgent matters relating to orders, please contact the customer service department. For urgent matters relating to invoices, please contact the accounts department. All other messages will be dealt with upon my return in the order in which they were received."',
    "Sort these book titles alphabetically and put them in a bulleted list:\n\nThe club read these over the last two years, in this order: Pachinko, The Remains of the Day, Circe, Educated, Anxious People, The Overstory, Where the Crawdads Sing, Klara and the Sun, Homegoing, Tomorrow and Tomorrow and Tomorrow, The Midnight Library, Lessons in Chemistry, Demon Copperhead, A Gentleman in Moscow, The Vanishing Half, and Hamnet. Somebody asked for a tidy list so we don't pick a repeat next month.",
    "Could you reformat this address list so each entry is one line: name, street, town?\n\nThe Green Cafe\nHigh Street\nLittle Bramford\n\nThe Old Post Office Bakery\nMill Lane\nLittle Bramford\n\nBramford Community Hall\nChurch Road\nGreat Bramford\n\nRiverside Garden Centre\nTowpath Way\nGreat Bramford\n\nThe Three Horseshoes\nMarket Square\nUpper Bramford\n\nThese are the venues for the village festival leaflet, all public businesses.",
    "Condense this into three bullet points for the weekly digest:\n\n\"This week the support team closed 412 tickets, up from 380 last week, and the average first-response time went down from 4 hours to just under 3. Most tickets were about the new login page, which confused some users because the 'forgot password' link moved; the design team has already moved it back. We also published four new help articles, on exporting data, changing plans, adding team members and setting up two-factor login. Next week two people are on holiday so response times may rise slightly.\"",
    'Change this text from first person to third person, nothing else:\n\n"I started the bakery in 2009 with one oven and a borrowed mixer. For the first three years I baked every night and sold at the Saturday market, and slowly the regulars started asking where they could buy my bread during the week. In 2013 I opened a small shop on Station Road. Today I employ nine people and we supply four cafes in town, but I still do the Saturday market myself because that\'s where it all began."',
    'Split this long paragraph into three shorter paragraphs at sensible points; don\'t reword it:\n\n"The museum reopens on Saturday after a six-month refurbishment. Visitors will notice the new entrance hall, which is brighter and has a proper cloakroom, and the cafe has moved to the ground floor with a terrace overlooking the garden. The permanent collection has been rehung so that the paintings now follow a timeline from the medieval period to the present day, with new labels in three languages. For families there is a new activity room on the first floor, open every weekend, with drawing materials and puzzles linked to the collection. Entry remains free, although the temporary exhibition on Dutch landscapes has a small charge."',
    "Convert this to a simple JSON list of objects with keys team and score:\n\nIn the pub quiz last night the Quizzly Bears came first with 48 points, Les Quizerables were second on 45, the Smarty Pints got 41, Agatha Quiztie scored 39, the Universally Challenged team had 36, Quiz Team Aguilera managed 33, and the Backseat Drivers came last on 27 but won the picture round. The next quiz is in two weeks and the theme for the special round will be films of the nineties.",
    'Reword this job advert so it\'s less stiff, keep all the details:\n\n"The organisation seeks to appoint a part-time receptionist (20 hours per week, Monday to Friday mornings). The successful candidate will be responsible for greeting visitors, answering telephone enquiries, managing the meeting room booking system and handling incoming and outgoing post. Previous experience in a similar role is desirable but not essential, as full training will be provided. Applicants should submit a CV and a short covering letter by the closing date of 30 April."',
]

# ---------------------------------------------------------------------------------------
# Sensitivity: a person plus health context in words the term lists do not hold
# (sensitive = true). Names and relations are invented.
# ---------------------------------------------------------------------------------------

HEALTH_CONTEXT_DEV = [
    "Elena keeps fainting at work and the doctors still don't know why. How do I bring this up with her kindly?",
    "My colleague Tom has been throwing up every morning and says it's the new pills. Write him a get-well note.",
    "Raj's heart is only pumping at about a third of normal, his cardiac team said. Help me explain it to his kids.",
    "Draft a note to the school: Mia had a bad reaction to peanuts at lunch yesterday and needed her EpiPen.",
    "My dad has started forgetting where he lives and gets lost walking the dog. How do I talk to my siblings about it?",
    "Jonas told me he's been hearing voices again since he stopped his meds. What should I say to him tonight?",
    "Write a card for Aisha, she lost the baby at twelve weeks and is back at work on Monday.",
    "Our employee Kenji needs a chair with lumbar support after his back operation. Write the request to facilities.",
    "Sofia's scans came back and the mass in her breast is malignant. Help me write to our friends.",
    "My husband Greg has been drinking a bottle of vodka a day and won't see anyone about it. Where do I start?",
]

HEALTH_CONTEXT_HELDOUT = [
    "Priyanka's blood counts dropped again after the last round, so the hematology team is pausing her infusions. Write a short update for her running club.",
    "Can you help me write to Marco's manager? He's had two grand mal episodes this month and can't drive to the site until he's cleared.",
    "My mum's kidneys are only working at 15% now and they're talking about starting her on the machine three times a week. How do I explain this to my younger brother?",
    "Lars came out to us last week that he's HIV-positive and asked us to keep it quiet. How do I support him without making it awkward?",
    "Write a message to the swim coach: Amara has been cutting herself and we'd rather she skips the changing-room sessions for now.",
    "Daniel has been in a really dark place since the accident, he said he doesn't see the point of going on. What do I say to him tonight?",
    "Please write a note to the landlord explaining that Hannah is in a wheelchair after her spinal injury and needs the ramp fixed.",
    "Oliver's insulin pump failed overnight and his sugar went over 30. Draft a message to his teacher about watching him today.",
    "My coworker Fatima has been losing weight fast, barely eats at lunch and goes to the bathroom right after. Should I say something to our manager?",
    "Nikolai has stage four pancreatic cancer and has maybe a few months. Help me plan what to say to the team.",
    "Can you help me word a text to my sister Rosa? Her bloods showed she's expecting twins and she's only told me.",
    "Grace has to stop working night shifts because of her epileptic fits. Draft the email to the rota manager.",
    "Write a short, kind note to Ethan. He's been off since his breakdown and starts a phased return next week.",
    "My client Isabel mentioned she's on methadone and has a clinic appointment every morning at 8; can you help me move our sessions?",
    "Samuel's hearing has been going for a while and the audiologist says he'll need implants. How should our team adjust meetings?",
    "Write a message to Layla's grandparents: she's been diagnosed on the autistic spectrum and we'd like them to read a couple of books about it.",
    "Our nanny Ingrid has had a lump in her neck for months and finally got referred. Can I ask her to stay home until she knows more?",
    "Felix tried to take his own life last weekend and is on the ward now. How do I tell his housemates without saying too much?",
    "Please help me write to Connor's football club: he has a hole in his heart and the cardiologist says no contact sport until after the repair.",
    "Wen's liver is failing from years of heavy drinking and she's on the waiting list. Help me draft a note to her book group.",
]

# ---------------------------------------------------------------------------------------
# Sensitivity: a person plus HR context (sensitive = true)
# ---------------------------------------------------------------------------------------

HR_CONTEXT_DEV = [
    "Tell Priya her contract won't be renewed after March. Keep it short and kind.",
    "Marcus is on a final warning for his behaviour at the Christmas party. Draft the letter.",
    "Our employee Beatriz wants to cut to four days a week after her return. Write my reply agreeing to a trial.",
    "Kofi earns 20k less than the other leads. Help me argue for closing that gap with finance.",
    "We're letting Astrid go at the end of the month. Help me plan the conversation.",
    "Ulla's probation went badly and I don't think we should confirm her. How do I tell her?",
    "Write feedback for Tariq: brilliant engineer, but two colleagues say he shouts in meetings.",
    "Vikram asked to be moved off my team after our argument. Draft the note to his new manager.",
    "Ana got the lowest score in the team this year. Help me prepare the one-to-one.",
    "Draft a note to Jonas confirming his new pay of 68,000 from January.",
]

HR_CONTEXT_HELDOUT = [
    "Leila has been turning up late and leaving early for a month and the team is noticing. Draft what I say to her on Monday.",
    "We've decided not to keep Patrick on after his trial period. Help me write the email that goes out Friday.",
    "Help me word a reply to Zoe: she asked why Mateo got the team-lead job over her.",
    "Hiroshi's manager says he's been sleeping at his desk and missing stand-ups. Write an email inviting him to a formal meeting.",
    "Nadia is being moved to the night shift against her wishes. Write a note explaining the business reason.",
    "Omar will be paid out three months' wages when his job goes in the restructure. Draft the letter confirming it.",
    "Three people on Isabel's team have said she belittles them in front of clients. How should I start looking into it?",
    "Draft the message telling Diego his annual increase this year is 1.5%, below the company average.",
    "Write up the notes from my meeting with Chloe: she admitted sharing client files with a competitor, and we've suspended her on full pay.",
    "Kwame has asked to work from home permanently after his move. Draft my reply saying no but offering two days.",
    "Lucas is getting a retention payment of 15k if he stays until the product launch. Write the confirmation.",
    "Help me explain to Mei why she isn't getting the senior title this round even though her manager pushed for it.",
    "Samuel is going to be let go for repeatedly falsifying his mileage claims. Outline the meeting for me.",
    "Rosa's team scores her as the weakest on the project; how do I give that feedback without crushing her?",
    "Please draft the agreement that Daniel leaves at the end of June with six months' pay and a reference.",
    "Ingrid's job is being downgraded from level 6 to level 5 in the new structure. Write the consultation letter.",
    "Felix and Wen both applied for the same internal role; Wen got it. Write the note to Felix explaining why.",
    "Ethan has been off for stress for eight weeks and his manager wants to start the absence process. Draft the first letter.",
]

# ---------------------------------------------------------------------------------------
# Sensitivity: a person plus personal financial context (sensitive = true)
# ---------------------------------------------------------------------------------------

FINANCIAL_CONTEXT_DEV = [
    "Jorge is three months behind on his rent and his car was repossessed. Help me write to his landlord on his behalf.",
    "My brother Luis lost most of his savings on crypto and is borrowing from payday lenders. How do I help him?",
    "Write a note to Maria: her late fees at the gym have gone to a collections agency.",
    "Our client Hannah has 60k on credit cards and wants to consolidate. Draft the advice email.",
    "Amara's inheritance from her aunt is about 400k. Help her think about what to tell her partner.",
    "Patrick's wages are being garnished for unpaid child support. Draft the note to payroll.",
    "Can you write to Zoe's bank asking why her savings were frozen?",
    "Our tenant Samuel hasn't paid for two months and says he lost his job. Draft a payment plan letter.",
]

FINANCIAL_CONTEXT_HELDOUT = [
    "Grace asked me to help her figure out how to tell her parents she's 45k in the hole on store cards. What should she say?",
    "Marco's home is being taken back by the lender next month. Help me write to the council about emergency housing for him.",
    "Write a message to Chloe's accountant: she forgot to declare the rental flat for three years and wants to come clean.",
    "My father-in-law Hiroshi is being scammed out of his pension by someone he met online; he's sent them 30k so far. How do I step in?",
    "Our customer Leila has missed six repayments and is asking for a holiday on the instalments. Draft our reply.",
    "Help me write a note to Kwame: the court has ordered him to pay his ex 1,200 a month in maintenance.",
    "Nadia's credit file shows two defaults and a county court judgment, so the landlord refused her. How can she appeal?",
    "Write a calm email to Diego, whose gambling losses have emptied the joint savings account we share.",
    "Our client Ingrid has 2.3 million in an offshore trust she hasn't mentioned to the tax office. Draft a note on disclosure options.",
    "Ethan's wages barely cover his rent and he's been skipping meals to pay the electricity. Can you find him grants he could apply for?",
    "My sister Mei has been declared insolvent and can't get a phone contract. Help me write to the provider for her.",
    "Felix borrowed 8,000 from me two years ago and hasn't paid back a penny. Draft a firm but friendly message.",
    "Rosa's student loan balance is 71k and she wants to know whether overpaying makes sense on her 38k pay.",
    "Write to Oliver's landlord: he's been on benefits since March and the housing payment goes straight to them now.",
    "Our employee Fatima asked for an advance on her pay because her account is overdrawn and her rent bounced.",
]

# ---------------------------------------------------------------------------------------
# Sensitivity: health, HR and money topics with no identifiable person (sensitive = false)
# ---------------------------------------------------------------------------------------

CONTEXT_TOPIC_DEV = [
    "What are the early warning signs of a stroke?",
    "How should a small company write its sick pay policy?",
    "Explain how compound interest works on a credit card balance.",
    "What's a reasonable notice period for a senior engineer?",
    "Summarise the main types of insulin and how they differ.",
    "What questions should a manager avoid in a job interview?",
    "How do payday loans trap people in debt? Explain for a school talk.",
    "Write a general guide for employees on how to request flexible working.",
    "What does a kidney transplant waiting list involve in the UK?",
    "What are good practices for running a fair redundancy process?",
    "Write a leaflet paragraph on how to support a friend who is grieving.",
    "How do credit files work, and how long do defaults stay on them?",
]

CONTEXT_TOPIC_HELDOUT = [
    "What's the difference between type 1 and type 2 diabetes?",
    "How long does it usually take to recover from a broken ankle?",
    "Write a short explainer on what a blood donation involves.",
    "What should a good exit interview template ask?",
    "How do companies usually decide annual pay increases?",
    "Write a general policy on how employees report workplace bullying.",
    "Explain what a mortgage offer in principle is.",
    "What are the signs that a household budget is becoming unsustainable?",
    "How do bankruptcies work for small businesses in Germany?",
    "Explain how epilepsy is usually managed, for a first-aid course.",
    "Give tips for staying mentally healthy while working night shifts.",
    "What does a typical onboarding checklist for a new hire include?",
    "Write a blog intro about why people avoid going to the dentist.",
    "How does a pension auto-enrolment scheme work?",
    "Write a training slide on how managers should give constructive feedback.",
    "What vaccines are recommended for travel to Kenya?",
    "Explain the difference between a debit card and a credit card for teenagers.",
    "How do hospitals triage patients in an emergency department?",
    "What are common reasons job offers get withdrawn?",
    "Summarise the research on whether intermittent fasting helps weight loss.",
    "Write a checklist for a company's return-to-office plan.",
    "What is the usual process for appealing a parking fine?",
    "How can a charity explain to donors where their money goes?",
    "What are the pros and cons of a four-day work week?",
    "Explain what cholesterol numbers on a lab report mean, in general terms.",
]

COMPLEXITY_GROUPS: list[tuple[str, bool, list[str], list[str]]] = [
    ("short_hard", True, SHORT_HARD_DEV, SHORT_HARD_HELDOUT),
    ("long_easy", False, LONG_EASY_DEV, LONG_EASY_HELDOUT),
]

SENSITIVITY_GROUPS: list[tuple[str, bool, list[str], list[str]]] = [
    ("health_context", True, HEALTH_CONTEXT_DEV, HEALTH_CONTEXT_HELDOUT),
    ("hr_context", True, HR_CONTEXT_DEV, HR_CONTEXT_HELDOUT),
    ("financial_context", True, FINANCIAL_CONTEXT_DEV, FINANCIAL_CONTEXT_HELDOUT),
    ("context_topic", False, CONTEXT_TOPIC_DEV, CONTEXT_TOPIC_HELDOUT),
]
